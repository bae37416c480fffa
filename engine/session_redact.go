package engine

import (
	"maps"
	"reflect"
	"slices"

	"github.com/oktaflow/oktaflow/storage"
)

var secretType = reflect.TypeFor[storage.Secret]()

// redactAccount masks every credential of an account: its token, and any
// other storage.Secret field the account holds (a private key, a DPoP key,
// a Kissflow access key secret), so that a credential added to the account
// later is masked without a change here. The masked value is the secret's
// Mask ("••••••••wxyz"): set or not is still visible.
func redactAccount(a storage.Account) storage.Account {
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
	in.Trigger.Secrets = maskAll(in.Trigger.Secrets)
	steps := slices.Clone(in.Steps)
	for i := range steps {
		steps[i].Secrets = maskAll(steps[i].Secrets)
	}
	in.Steps = steps
	return in
}

// maskAll is a copy of secrets with each value masked (nil for none).
func maskAll(secrets map[string]storage.Secret) map[string]storage.Secret {
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
