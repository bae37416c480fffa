package engine

import (
	"maps"
	"reflect"
	"slices"

	"github.com/oktaflow/oktaflow/storage"
)

var secretType = reflect.TypeFor[storage.Secret]()

// Who sees what of a secret. A session that may reveal secrets (an admin)
// gets an account's credentials as Mask shows them ("••••••••wxyz": that one
// is set, and which), and an integration's as stored. Any other session (a
// viewer) sees only that a secret is set ("••••••••"), never a character of
// it: not the last four either.

// setMask is a set secret with nothing of it shown: the Mask of a secret too
// short to show a tail, so that Mask, String and JSON keep it as it is.
var setMask = storage.Secret("set").Mask()

// hide is a secret as a viewer sees it: set ("••••••••") or not ("").
func hide(s storage.Secret) storage.Secret {
	if s.IsZero() {
		return s
	}
	return storage.Secret(setMask)
}

// secretMask is how this session's reads mask a secret (see above).
func (s *Session) secretMask() func(storage.Secret) storage.Secret {
	if ok, _ := s.Can(OpRevealSecret); ok {
		return mask
	}
	return hide
}

// redactAccountForRole masks an account's credentials for the session's role.
func (s *Session) redactAccountForRole(a storage.Account) storage.Account {
	return redactAccountWith(a, s.secretMask())
}

// redactAccount masks every credential of an account for an admin, as the
// changes that return one (admins' only) do.
func redactAccount(a storage.Account) storage.Account { return redactAccountWith(a, mask) }

// redactAccountWith masks every credential of an account: its token, and
// any other storage.Secret field the account holds (a private key, a DPoP
// key, a Kissflow access key secret), so that a credential added to the
// account later is masked without a change here. Set or not stays visible.
func redactAccountWith(a storage.Account, mask func(storage.Secret) storage.Secret) storage.Account {
	v := reflect.ValueOf(&a).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.CanSet() {
			continue
		}
		switch {
		case f.Type() == secretType:
			f.Set(reflect.ValueOf(mask(f.Interface().(storage.Secret))))
		case f.Kind() == reflect.Map && f.Type().Elem() == secretType && !f.IsNil():
			out := reflect.MakeMapWithSize(f.Type(), f.Len())
			for it := f.MapRange(); it.Next(); {
				out.SetMapIndex(it.Key(), reflect.ValueOf(mask(it.Value().Interface().(storage.Secret))))
			}
			f.Set(out)
		}
	}
	return a
}

// redactIntegration masks an integration's trigger and step secrets for a
// session that may not see them; an admin gets them as stored (the editor
// saves the integration back with them).
func (s *Session) redactIntegration(in storage.Integration) storage.Integration {
	if ok, _ := s.Can(OpRevealSecret); ok {
		return in
	}
	in.Trigger.Secrets = maskAll(in.Trigger.Secrets, hide)
	steps := slices.Clone(in.Steps)
	for i := range steps {
		steps[i].Secrets = maskAll(steps[i].Secrets, hide)
	}
	in.Steps = steps
	return in
}

// maskAll is a copy of secrets with each value masked (nil for none).
func maskAll(secrets map[string]storage.Secret, mask func(storage.Secret) storage.Secret) map[string]storage.Secret {
	if secrets == nil {
		return nil
	}
	out := maps.Clone(secrets)
	for k, v := range out {
		out[k] = mask(v)
	}
	return out
}

func mask(s storage.Secret) storage.Secret { return storage.Secret(s.Mask()) }
