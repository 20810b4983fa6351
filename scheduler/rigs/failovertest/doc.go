// Package failovertest holds the evidence for patchbot's leader election
// on PostgreSQL: two replicas of the real patchbot binary share one
// ledger, the leader is killed with SIGKILL in the middle of its sync,
// and the standby must take over within the stated bound and finish the
// interrupted work through the intent-and-lookup recovery, with no message
// sent twice and none lost.
//
// The package has no code of its own besides this comment: everything is
// in its tests. One trial runs by default (when a PostgreSQL server is
// reachable, see connectors/store/storetest); PATCHBOT_FAILOVER_TRIALS=50
// runs fifty.
package failovertest
