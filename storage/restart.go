package storage

import (
	"cmp"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RestartTrigger makes an ON integration's trigger start again from `from`
// (now when zero), as switching it ON does: the start point is recorded and
// the cursor forgotten, so the next poll is a first poll (a baseline, or
// "since from"). Its dedupe keys stay (nothing already seen fires again) and
// so do its pending runs. With def set, the integration's definition is
// replaced in the same transaction (an edit of the trigger's source while
// ON), as UpdateIntegration would. An OFF integration is refused with
// ErrIntegrationOff: switching it ON starts from now anyway.
//
// (Added by the engine-session engineer for issue 8's re-baseline and
// reset-trigger: UpdateIntegration keeps EnabledAt and the cursor, and
// SetEnabled cancels pending runs on the way OFF.)
func (s *Store) RestartTrigger(id string, from time.Time, def *Integration) (Integration, error) {
	if def != nil {
		if err := def.validate(); err != nil {
			return Integration{}, err
		}
	}
	var out Integration
	err := s.update(func(tx *bolt.Tx) error {
		in, err := s.getIntegration(tx, id)
		if err != nil {
			return err
		}
		if !in.Enabled {
			return fmt.Errorf("integration %q: %w; switching it ON starts its trigger from now (or --from)", in.Name, ErrIntegrationOff)
		}
		if def != nil {
			d := *def
			d.ID, d.Enabled, d.EnabledAt, d.CreatedAt = in.ID, in.Enabled, in.EnabledAt, in.CreatedAt
			d.Version = in.Version
			if !sameDefinition(in, d) {
				d.Version++
			}
			in = d
		}
		in.UpdatedAt = s.now().UTC()
		in.EnabledAt = cmp.Or(from, in.UpdatedAt).UTC()
		if err := resetCursor(tx, id); err != nil {
			return err
		}
		out = in
		return s.putIntegration(tx, in)
	})
	return out, err
}
