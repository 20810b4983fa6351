package statuspage

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/crypto/bcrypt"
)

// BasicAuth asks every request for one user name and password. The
// password is kept only as a bcrypt hash (htpasswd -nbB user pass, or
// bcrypt.GenerateFromPassword).
type BasicAuth struct {
	User string
	// Hash is the password's bcrypt hash ("$2a$…", "$2b$…" or "$2y$…").
	Hash string
	// Realm names the protected space in the browser's prompt; default
	// "patchbot status".
	Realm string
}

func (a *BasicAuth) validate() error {
	if a.User == "" {
		return errors.New("statuspage: basic auth: user is empty")
	}
	if _, err := bcrypt.Cost([]byte(a.Hash)); err != nil {
		return fmt.Errorf("statuspage: basic auth: password hash is not a bcrypt hash: %w", err)
	}
	return nil
}

// allow checks the request's credentials. The user name is compared in
// constant time and the password hash is checked even when the name is
// wrong, so the answer's timing tells neither which part failed nor
// whether the name exists.
func (a *BasicAuth) allow(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(a.User)) == 1
	passOK := bcrypt.CompareHashAndPassword([]byte(a.Hash), []byte(pass)) == nil
	return userOK && passOK
}

func (a *BasicAuth) challenge() string {
	realm := a.Realm
	if realm == "" {
		realm = "patchbot status"
	}
	return fmt.Sprintf("Basic realm=%q, charset=\"UTF-8\"", realm)
}
