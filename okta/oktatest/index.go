package oktatest

import (
	"slices"
	"strings"
	"time"
)

// searchIndex is what search, filter and q read (users and groups). Okta
// serves them from an eventually consistent index ("the search parameter
// results are sourced from an eventually consistent datasource and may not
// reflect the latest information"; "indexing delay typically < 1 s"), while
// GET by id or login reads the user itself. With Options.SearchLag zero the
// index is the org itself. Otherwise it shows every user and group as it was
// SearchLag ago: a user created within the lag is not found yet, one deleted
// within it is still found (with its old state), a change shows late.
//
// Invariants: the index follows the System Log. Every change of a user or a
// group is logged with it as a target (logEvent), and logEvent records a
// revision of each target here, so nothing changes unseen. users and groups
// hold snapshots (copies, never the live objects) in id order; pending holds
// revisions in the order they were made, not yet old enough to show.
// Changes made directly (AddUser, AddGroup, seeding) show at once.
type searchIndex struct {
	lag     time.Duration
	users   []*user
	groups  []*group
	pending []indexRevision
}

// indexRevision is the state of one user or group after a change; gone
// means it was deleted.
type indexRevision struct {
	at    time.Time
	id    string
	user  *user
	group *group
	gone  bool
}

// setLag switches the lag; turning it on starts from the org's state now.
func (x *searchIndex) setLag(o *Org, lag time.Duration) {
	if lag <= 0 {
		*x = searchIndex{}
		return
	}
	if x.lag <= 0 {
		x.users = x.users[:0]
		for _, u := range o.users {
			x.users = append(x.users, u.snapshot())
		}
		x.groups = x.groups[:0]
		for _, g := range o.groups {
			x.groups = append(x.groups, g.snapshot())
		}
		x.pending = nil
	}
	x.lag = lag
}

// record notes the current state of the logged target t at time at;
// immediate (a direct change) shows it at once.
func (x *searchIndex) record(o *Org, t logTarget, at time.Time, immediate bool) {
	if x.lag <= 0 {
		return
	}
	rev := indexRevision{at: at, id: t.ID}
	switch t.Type {
	case "User":
		if u := o.byID[t.ID]; u != nil {
			rev.user = u.snapshot()
		} else {
			rev.gone = true
		}
	case "UserGroup":
		if g := o.groupByID[t.ID]; g != nil {
			rev.group = g.snapshot()
		} else {
			rev.gone = true
		}
	default:
		return
	}
	if rev.gone { // a stub carrying the id of what to remove
		if t.Type == "User" {
			rev.user = &user{ID: t.ID}
		} else {
			rev.group = &group{ID: t.ID}
		}
	}
	if immediate {
		x.apply(rev)
		return
	}
	x.catchUp(at) // keeps pending to what the lag holds back, searched or not
	x.pending = append(x.pending, rev)
}

// catchUp applies every revision made at or before now − lag.
func (x *searchIndex) catchUp(now time.Time) {
	cutoff := now.Add(-x.lag)
	n := 0
	for n < len(x.pending) && !x.pending[n].at.After(cutoff) {
		x.apply(x.pending[n])
		n++
	}
	x.pending = slices.Delete(x.pending, 0, n)
}

func (x *searchIndex) apply(rev indexRevision) {
	if rev.user != nil {
		x.users = upsert(x.users, rev.user, func(u *user) string { return u.ID }, rev.gone)
	}
	if rev.group != nil {
		x.groups = upsert(x.groups, rev.group, func(g *group) string { return g.ID }, rev.gone)
	}
}

// upsert replaces, inserts (in id order) or, when gone, removes item.
func upsert[T any](items []T, item T, id func(T) string, gone bool) []T {
	i, found := slices.BinarySearchFunc(items, id(item), func(x T, key string) int { return strings.Compare(id(x), key) })
	switch {
	case found && gone:
		return slices.Delete(items, i, i+1)
	case found:
		items[i] = item
	case !gone:
		items = slices.Insert(items, i, item)
	}
	return items
}

// usersAt is the users search sees at now, in id order.
func (x *searchIndex) usersAt(o *Org, now time.Time) []*user {
	if x.lag <= 0 {
		return o.users
	}
	x.catchUp(now)
	return x.users
}

// groupsAt is the groups search sees at now. Groups are kept in creation
// order by the org; the index keeps id order, which is the same order.
func (x *searchIndex) groupsAt(o *Org, now time.Time) []*group {
	if x.lag <= 0 {
		return o.groups
	}
	x.catchUp(now)
	return x.groups
}

// snapshot copies a user for the index.
func (u *user) snapshot() *user {
	c := *u
	c.Profile = cloneProfile(u.Profile)
	return &c
}

// snapshot copies a group for the index.
func (g *group) snapshot() *group {
	c := *g
	c.Members = slices.Clone(g.Members)
	return &c
}
