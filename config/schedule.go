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

	"github.com/patchbot/patchbot/scheduler"
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
	// Schedule gives the job's next run; a standard spec carries its
	// location, so it needs no cron.WithLocation.
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

// parseSpec parses a spec exactly as the daemon will
// (scheduler.ParseSchedule) and sets the job's zone on the schedule.
func parseSpec(spec string, loc *time.Location) (cron.Schedule, *time.Location, error) {
	sched, at, err := scheduler.ParseSchedule(spec, loc)
	if err != nil {
		return nil, nil, err
	}
	if s, ok := sched.(*cron.SpecSchedule); ok {
		zoned := *s
		zoned.Location = at
		sched = &zoned
	}
	return sched, at, nil
}
