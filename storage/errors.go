package storage

import "errors"

// Sentinel errors. Callers test them with errors.Is; the store wraps them
// with the name or id that was involved.
var (
	// ErrNotFound: no record with that id or name.
	ErrNotFound = errors.New("not found")
	// ErrExists: a record with that unique name already exists.
	ErrExists = errors.New("already exists")
	// ErrLocked: another process holds the database file.
	ErrLocked = errors.New("database is locked by another process")
	// ErrInUse: the record is referenced and cannot be removed.
	ErrInUse = errors.New("in use")
	// ErrIntegrationOff: events for a switched-off integration are refused.
	ErrIntegrationOff = errors.New("integration is off")
	// ErrBadState: a run transition that its current state does not allow.
	ErrBadState = errors.New("run is not in a state that allows this")
	// ErrNewerSchema: the file was written by a newer oktaflow.
	ErrNewerSchema = errors.New("database was written by a newer oktaflow")
	// ErrSecretKey: the secret key is missing, malformed, or does not open a sealed value.
	ErrSecretKey = errors.New("secret key problem")
	// ErrInvalid: a record failed validation before it was written.
	ErrInvalid = errors.New("invalid")
	// ErrCorrupt: the database file, or one record in it, is damaged
	// (*CorruptError, *RecordError say where and what to do).
	ErrCorrupt = errors.New("database is damaged")
)
