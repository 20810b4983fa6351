// Package feeds keeps local copies of two public vulnerability feeds and
// answers lookups from them: CISA's Known Exploited Vulnerabilities (KEV)
// catalog, and FIRST's Exploit Prediction Scoring System (EPSS) scores,
// from the daily file of every score or from the API for the CVEs the
// caller names.
//
// It owns fetching (conditional GET, local files), parsing, checking, the
// on-disk cache and the in-memory index, and it reports each feed's state
// (Status, and the gauge patchbot_feed_age_seconds{feed}). It decides
// nothing about tickets: the core receives what the feeds say as data
// (Store.Lookup returns plain values) and draws the conclusions. It imports
// no other patchbot package.
//
// # Sources
//
// Each feed is read from an http(s) URL or from a local file (a path or a
// file:// URL), for sites without Internet access. A URL is asked every
// Config.Interval (a day by default) with If-None-Match and
// If-Modified-Since from the copy in use, so an unchanged feed costs a 304.
// A local file is re-read when its modification time or size changes
// (checked every Config.FilePoll). Downloads are bounded (KEV 32 MiB, the
// EPSS file 64 MiB as downloaded and 512 MiB decompressed): a larger one is
// refused with ErrTooLarge. Requests carry User-Agent "patchbot".
//
// # The cache directory
//
// Config.Dir, beside the ledger, holds:
//
//	kev.json        the last good KEV catalog, as fetched
//	kev.meta.json   its source, ETag, Last-Modified (or the local file's
//	                mtime and size), fetched-at and verified-at
//	epss.csv        the last good EPSS daily file, as fetched (gzip or plain)
//	epss.meta.json  the same record for it
//	epss-api.json   API mode: every score asked for, with when it was asked
//	.tmp-*          a write in progress; removed by New after a crash
//
// Every write goes to a temporary file in the same directory, is synced and
// then renamed over the old file, so a crash leaves the old copy or the new
// one, never part of one. The data file is renamed before its record is
// written: after a crash between the two, the old record's validators
// describe an older copy, and the next refresh simply downloads again.
// New reads the cache without the network, so a restart answers lookups at
// once.
//
// # Failure
//
// A refresh that fails keeps the copy in use and reports an *Error naming
// the feed, the URL or file, the step, and for CSV the line: an HTTP error,
// a body over its limit, truncated gzip, invalid JSON, a row that is not a
// CVE id and two probabilities, a file with no entries (ErrEmpty), or one
// with more than a tenth fewer entries than the last good copy from the
// same source (ErrShrunk). Only a copy that parsed and passed those checks
// replaces the last good one, in memory and on disk. A single KEV entry
// with a malformed id or date is dropped and noted in Status.Problems
// rather than refusing the catalog. Lookups never wait on the network and
// never fail: a stale or unreachable feed answers from its last good copy,
// and Status says how old it is and what went wrong. Before any good copy
// exists, lookups find nothing and the age gauge reads +Inf.
package feeds
