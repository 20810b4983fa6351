package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// Socket Mode as Slack speaks it: apps.connections.open hands out a
// one-time WebSocket URL; the server greets each connection with hello,
// sends WebSocket pings, delivers envelopes and expects each to be acked
// with {"envelope_id": ...} (and an optional payload); envelopes not acked
// are delivered again, with retry_attempt one higher, on the next
// connection. A disconnect message asks the client to reconnect.

// The envelope types Socket Mode delivers.
const (
	EnvelopeInteractive = "interactive"
	EnvelopeSlash       = "slash_commands"
	EnvelopeEvents      = "events_api"
)

// Envelope is one delivery as the fake keeps it.
type Envelope struct {
	ID      string
	Type    string
	Payload json.RawMessage
	// RetryAttempt is 0 on the first delivery, one more on each
	// re-delivery; RetryReason is "timeout" on a re-delivery.
	RetryAttempt int
	RetryReason  string
	// Deliveries counts the times it was written to a connection.
	Deliveries int
	// Acked is set once an ack arrived (and was not lost); Ack is its
	// payload, nil when the ack carried none.
	Acked bool
	Ack   json.RawMessage
}

type envelope struct {
	Envelope
	acked chan struct{} // closed on ack
	conn  *wsConn       // where it was last delivered
}

// wsConn is one Socket Mode connection.
type wsConn struct {
	ws     *websocket.Conn
	n      int           // 1 for the first connection ever
	done   chan struct{} // closed when the connection is gone
	pongs  chan string   // pong payloads, for Ping
	closed bool
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// writeWait bounds one frame write; the client reads continuously, so a
// write blocks only when the connection is dead.
const writeWait = 5 * time.Second

// serveSocket upgrades a connection that brings a ticket from
// apps.connections.open, greets it and re-delivers what is unacked.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	used, known := s.ix().tickets[ticket]
	if known && !used {
		s.ix().tickets[ticket] = true
	}
	s.mu.Unlock()
	if !known || used {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade answered the client already
	}
	c := &wsConn{ws: ws, done: make(chan struct{}), pongs: make(chan string, 8)}
	ws.SetPongHandler(func(data string) error {
		select {
		case c.pongs <- data:
		default:
		}
		return nil
	})

	s.mu.Lock()
	x := s.ix()
	x.hellos++
	c.n = x.hellos
	x.conns = append(x.conns, c)
	hello := map[string]any{
		"type": "hello", "num_connections": len(x.conns),
		"debug_info":      map[string]any{"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": AppID},
	}
	err = c.write(hello)
	for _, id := range x.envOrder {
		if e := x.envs[id]; err == nil && !e.Acked {
			if e.Deliveries > 0 {
				e.RetryAttempt++
				e.RetryReason = "timeout"
			}
			err = s.deliverLocked(c, e)
		}
	}
	pingGap := x.pingGap
	s.changedLocked()
	s.mu.Unlock()
	if err != nil {
		s.dropConn(c)
		return
	}
	go s.pingLoop(c, pingGap)
	s.readLoop(c)
}

// write sends one JSON frame. Callers hold s.mu, which serialises writes.
func (c *wsConn) write(v any) error {
	if c.closed {
		return errors.New("connection closed")
	}
	if err := c.ws.SetWriteDeadline(time.Now().Add(writeWait)); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, rawJSON(v))
}

// deliverLocked writes an envelope to c. Callers hold s.mu.
func (s *Server) deliverLocked(c *wsConn, e *envelope) error {
	e.Deliveries++
	e.conn = c
	return c.write(map[string]any{
		"envelope_id": e.ID, "type": e.Type, "accepts_response_payload": e.Type != EnvelopeEvents,
		"payload": e.Payload, "retry_attempt": e.RetryAttempt, "retry_reason": e.RetryReason,
	})
}

// readLoop reads acks until the connection ends.
func (s *Server) readLoop(c *wsConn) {
	defer s.dropConn(c)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue // Slack ignores frames it does not understand
		}
		s.mu.Lock()
		x := s.ix()
		e := x.envs[ack.EnvelopeID]
		lose := e != nil && !e.Acked && x.loseAcks > 0
		switch {
		case e == nil || e.Acked:
		case lose:
			x.loseAcks--
		default:
			e.Acked = true
			if len(ack.Payload) > 0 && string(ack.Payload) != "null" {
				e.Ack = append(json.RawMessage(nil), ack.Payload...)
			}
			close(e.acked)
			s.ackedLocked(e)
		}
		s.changedLocked()
		s.mu.Unlock()
		if lose {
			return // the ack is lost with the connection
		}
	}
}

// dropConn closes c (once) and forgets it.
func (s *Server) dropConn(c *wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	close(c.done)
	_ = c.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseGoingAway, "bye"), time.Now().Add(time.Second))
	_ = c.ws.Close()
	x := s.ix()
	for i, o := range x.conns {
		if o == c {
			x.conns = append(x.conns[:i], x.conns[i+1:]...)
			break
		}
	}
	s.changedLocked()
}

// pingLoop sends a WebSocket ping every gap, as Slack does; slack-go
// reconnects when pings stop.
func (s *Server) pingLoop(c *wsConn, gap time.Duration) {
	t := time.NewTicker(gap)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if c.ws.WriteControl(websocket.PingMessage, []byte("keepalive"), time.Now().Add(writeWait)) != nil {
				return
			}
		}
	}
}

// SetPingInterval sets how often new connections are pinged (default 10s;
// slack-go gives up on a connection after 30s without a ping).
func (s *Server) SetPingInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ix().pingGap = d
}

// current is the newest open connection, or nil. Callers hold s.mu.
func (s *Server) current() *wsConn {
	x := s.ix()
	if len(x.conns) == 0 {
		return nil
	}
	return x.conns[len(x.conns)-1]
}

// Deliver queues an envelope of the given type and writes it to the newest
// connection (or to the next one, when none is open). It returns the
// envelope id. The payload builders (Click, Submit, Command,
// AppHomeOpened) call it; use it directly for an odd payload.
func (s *Server) Deliver(typ string, payload json.RawMessage) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliverNewLocked(typ, payload)
}

func (s *Server) deliverNewLocked(typ string, payload json.RawMessage) string {
	x := s.ix()
	e := &envelope{Envelope: Envelope{ID: x.nextID("env-"), Type: typ, Payload: payload}, acked: make(chan struct{})}
	x.envs[e.ID] = e
	x.envOrder = append(x.envOrder, e.ID)
	if c := s.current(); c != nil {
		if err := s.deliverLocked(c, e); err != nil {
			go s.dropConn(c) // re-delivered on the next connection
		}
	}
	s.changedLocked()
	return e.ID
}

// Redeliver writes every unacked envelope again to the newest connection,
// with retry_attempt one higher, as Slack does when an ack is late.
func (s *Server) Redeliver() {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.current()
	if c == nil {
		return
	}
	x := s.ix()
	for _, id := range x.envOrder {
		if e := x.envs[id]; !e.Acked && e.Deliveries > 0 {
			e.RetryAttempt++
			e.RetryReason = "timeout"
			if s.deliverLocked(c, e) != nil {
				go s.dropConn(c)
				return
			}
		}
	}
	s.changedLocked()
}

// LoseNextAck makes the next ack the server reads vanish and the
// connection drop right after it, as when a connection dies with the ack
// in flight: the client did the work, but the envelope is delivered again
// on the next connection with retry_attempt one higher.
func (s *Server) LoseNextAck() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ix().loseAcks++
}

// Disconnect sends {"type":"disconnect","reason":reason} on the newest
// connection ("refresh_requested", "warning", "link_disabled"). slack-go
// closes the connection and opens a new one. It reports whether a
// connection was open.
func (s *Server) Disconnect(reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.current()
	if c == nil {
		return false
	}
	err := c.write(map[string]any{"type": "disconnect", "reason": reason,
		"debug_info": map[string]any{"host": "applink-fake"}})
	if err != nil {
		go s.dropConn(c)
	}
	return true
}

// DropConnection closes the newest connection without a word, as a
// network failure would. It reports whether a connection was open.
func (s *Server) DropConnection() bool {
	s.mu.Lock()
	c := s.current()
	s.mu.Unlock()
	if c == nil {
		return false
	}
	s.dropConn(c)
	return true
}

// Ping sends a WebSocket ping on the newest connection and waits for the
// client's pong.
func (s *Server) Ping(ctx context.Context) error {
	s.mu.Lock()
	c := s.current()
	s.mu.Unlock()
	if c == nil {
		return errors.New("slacktest: no Socket Mode connection")
	}
	s.mu.Lock()
	x := s.ix()
	x.seq++
	data := fmt.Sprintf("ping-%d", x.seq)
	s.mu.Unlock()
	if err := c.ws.WriteControl(websocket.PingMessage, []byte(data), time.Now().Add(writeWait)); err != nil {
		return err
	}
	for {
		select {
		case got := <-c.pongs:
			if got == data {
				return nil
			}
		case <-c.done:
			return errors.New("slacktest: connection closed before the pong")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Connections is how many Socket Mode connections were greeted, ever.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ix().hellos
}

// OpenConnections is how many Socket Mode connections are open now.
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ix().conns)
}

// WaitConnected waits until n connections were greeted, ever.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	return s.WaitFor(ctx, func() bool { return s.Connections() >= n })
}

// WaitAck waits for the envelope's ack and returns it.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Envelope, error) {
	s.mu.Lock()
	e := s.ix().envs[envelopeID]
	s.mu.Unlock()
	if e == nil {
		return Envelope{}, fmt.Errorf("slacktest: no envelope %q", envelopeID)
	}
	select {
	case <-e.acked:
		return s.Envelope(envelopeID)
	case <-ctx.Done():
		got, _ := s.Envelope(envelopeID)
		return got, fmt.Errorf("slacktest: envelope %s (%s) not acked after %d deliveries: %w",
			envelopeID, got.Type, got.Deliveries, ctx.Err())
	}
}

// Envelope returns an envelope by id.
func (s *Server) Envelope(id string) (Envelope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.ix().envs[id]
	if e == nil {
		return Envelope{}, fmt.Errorf("slacktest: no envelope %q", id)
	}
	return e.Envelope, nil
}

// Envelopes returns every envelope in delivery order.
func (s *Server) Envelopes() []Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.ix()
	out := make([]Envelope, len(x.envOrder))
	for i, id := range x.envOrder {
		out[i] = x.envs[id].Envelope
	}
	return out
}
