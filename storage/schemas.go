package storage

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// UserSchema is an account's cached Okta user schema: the fields an action
// can map, base and custom, as of FetchedAt.
type UserSchema struct {
	Fields    []SchemaField `json:"fields"`
	FetchedAt time.Time     `json:"fetchedAt"`
}

// SchemaField is one profile attribute.
type SchemaField struct {
	Name        string   `json:"name"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Type        string   `json:"type"` // string, integer, number, boolean, array
	ItemsType   string   `json:"itemsType,omitempty"`
	Required    bool     `json:"required,omitempty"`
	Custom      bool     `json:"custom,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	Format      string   `json:"format,omitempty"`
	MinLength   *int     `json:"minLength,omitempty"`
	MaxLength   *int     `json:"maxLength,omitempty"`
	ReadOnly    bool     `json:"readOnly,omitempty"`
}

// SaveSchema caches an account's user schema.
func (s *Store) SaveSchema(accountID string, sc UserSchema) error {
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAccounts).Get([]byte(accountID)) == nil {
			return fmt.Errorf("account %q: %w", accountID, ErrNotFound)
		}
		raw, err := json.Marshal(sc)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketSchemas).Put([]byte(accountID), raw)
	})
}

// Schema returns an account's cached user schema, or ErrNotFound when it was
// never fetched.
func (s *Store) Schema(accountID string) (UserSchema, error) {
	var sc UserSchema
	err := s.view(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketSchemas).Get([]byte(accountID))
		if raw == nil {
			return fmt.Errorf("user schema of account %q: %w (refresh it)", accountID, ErrNotFound)
		}
		if err := json.Unmarshal(raw, &sc); err != nil {
			return recordErr(bucketSchemas, accountID, err)
		}
		return nil
	})
	return sc, err
}
