// Package storage is oktaflow's bbolt store: typed methods in the domain's
// words, hidden buckets, values decoded inside transactions, sealed secrets
// and migrations at open. It imports no other oktaflow package.
//
// The store arrives with issue 3; see ../shared/DESIGN.md (Storage).
package storage
