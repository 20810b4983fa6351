package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
	// Embedded zone data, so time zones validate and work in an image
	// without /usr/share/zoneinfo (scratch, distroless static).
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
)

// The job names, as used for schedules, logs and the ledger's last runs.
const (
	JobSync     = "sync"
	JobFullSync = "full_sync"
	JobNag      = "nag"
	JobDigest   = "digest"
)

// Cron is one job's validated schedule.
type Cron struct {
	// Job is the job name (JobSync, …).
	Job string
	// Spec is the spec as written in the config.
	Spec string
	// Schedule gives the job's next run on the naive wall clock of
	// Location (it carries no zone of its own), so a run that a spring DST
	// gap skipped can still be found missed, and the repeated autumn hour
	// is not a second run.
	Schedule cron.Schedule
	// Location is the zone the job runs in: the spec's CRON_TZ= or TZ=
	// when given, the schedules' timezone otherwise.
	Location *time.Location
}

// Crons are every job's schedule.
type Crons struct {
	// Location is the schedules' timezone.
	Location *time.Location
	Sync     Cron
	FullSync Cron
	Nag      Cron
	Digest   Cron
}

// All lists the jobs' schedules in a fixed order.
func (c Crons) All() []Cron { return []Cron{c.Sync, c.FullSync, c.Nag, c.Digest} }

// Location loads the schedules' timezone; empty means UTC.
func (s Schedules) Location() (*time.Location, error) {
	return loadZone(s.Timezone)
}

func loadZone(name string) (*time.Location, error) {
	if strings.TrimSpace(name) == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %s: use an IANA name such as Europe/Berlin or America/New_York", quote(name))
	}
	return loc, nil
}

// Parse parses every job's spec. A config from Load or Parse has already
// been checked, so this fails only for a hand-built one.
func (s Schedules) Parse() (Crons, error) {
	loc, err := s.Location()
	if err != nil {
		return Crons{}, err
	}
	out := Crons{Location: loc}
	var errs []error
	for _, j := range []struct {
		job, spec string
		dst       *Cron
	}{
		{JobSync, s.Sync, &out.Sync},
		{JobFullSync, s.FullSync, &out.FullSync},
		{JobNag, s.Nag, &out.Nag},
		{JobDigest, s.Digest, &out.Digest},
	} {
		sched, jobLoc, err := parseSpec(j.spec, loc)
		if err != nil {
			errs = append(errs, fmt.Errorf("schedules.%s: %w", j.job, err))
			continue
		}
		*j.dst = Cron{Job: j.job, Spec: j.spec, Schedule: sched, Location: jobLoc}
	}
	return out, errors.Join(errs...)
}

// parseSpec parses a standard cron spec (five fields or a descriptor such
// as @hourly) with an optional CRON_TZ= or TZ= prefix. It returns the zone
// the job runs in (the prefix's, else loc) and an error, never a panic:
// robfig/cron panics on a bare "CRON_TZ=X" and reads "CRON_TZ=" as UTC, so
// the prefix is taken apart here and the parser runs under recover. The
// schedule itself carries no zone.
func parseSpec(spec string, loc *time.Location) (sched cron.Schedule, at *time.Location, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil, errors.New("empty schedule: write a cron spec such as \"0 9 * * 1-5\"")
	}
	at = loc
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		eq := strings.IndexByte(spec, '=')
		prefix := spec[:eq]
		i := strings.IndexAny(spec, " \t")
		if i < 0 {
			return nil, nil, fmt.Errorf("%s= needs a schedule after the zone, e.g. \"%s=Europe/Berlin 0 9 * * 1-5\"", prefix, prefix)
		}
		zone := spec[eq+1 : i]
		if zone == "" {
			return nil, nil, fmt.Errorf("%s= names no time zone", prefix)
		}
		if at, err = time.LoadLocation(zone); err != nil {
			return nil, nil, fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Berlin or America/New_York", zone)
		}
		spec = strings.TrimSpace(spec[i:])
	}
	if sched, err = parseStandard(spec); err != nil {
		return nil, nil, fmt.Errorf("bad cron spec %q: %v", spec, err)
	}
	if sched.Next(cronReference).IsZero() {
		return nil, nil, fmt.Errorf("cron spec %q never fires", spec)
	}
	return sched, at, nil
}

// cronReference is the instant a schedule must fire after to count as
// runnable; fixed so that parsing does not read the clock.
var cronReference = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func parseStandard(spec string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("unparseable: %v", r)
		}
	}()
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, errors.New("only one time zone prefix is allowed")
	}
	return cron.ParseStandard(spec)
}
