package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/oktaflow/oktaflow/storage"
)

// damage overwrites records of a closed database with bytes that do not
// decode, as a torn write or a bad disk leaves them.
func damage(t *testing.T, db string, bucket string, keys ...[]byte) {
	t.Helper()
	b, err := bolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(func(tx *bolt.Tx) error {
		for _, k := range keys {
			if tx.Bucket([]byte(bucket)).Get(k) == nil {
				return fmt.Errorf("no record %q in %s", k, bucket)
			}
			if err := tx.Bucket([]byte(bucket)).Put(k, []byte("\x00\x01not json")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func runKeyOf(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// TestDamagedRecordsAreListedAndDeletable: with one integration and one run
// that do not decode, integration list and runs list the others and show
// the damaged one as a line of its own saying how to remove it, and
// integration delete removes the damaged integration.
func TestDamagedRecordsAreListedAndDeletable(t *testing.T) {
	good, _ := setupOnboard(t)
	ctx := context.Background()
	out, errOut, code := cli(t, ctx, strings.Replace(onboardDoc, "Onboard new hires", "Second", 1), "integration", "import", "-")
	if code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	bad := strings.TrimSpace(out)
	for range 3 {
		if _, errOut, code := cli(t, ctx, `{"first_name":"A","last_name":"B","email":"a@acme.com"}`, "integration", "run", good, "--event", "-", "--no-wait"); code != 0 {
			t.Fatalf("run: %s", errOut)
		}
	}
	db := os.Getenv("OKTAFLOW_DB")
	damage(t, db, "integrations", []byte(bad))
	damage(t, db, "runs", runKeyOf(2))

	wantInt := "integration " + bad + ": damaged record ("
	wantDel := "delete it with: oktaflow integration delete " + bad
	wantRun := "run 2: damaged record ("

	out, errOut, code = cli(t, ctx, "", "integration", "list")
	if code != 0 || !strings.Contains(out, "Onboard new hires") || !strings.Contains(out, wantInt) || !strings.Contains(out, wantDel) {
		t.Errorf("integration list with a damaged record: %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = cli(t, ctx, "", "integration", "list", "--json")
	var ints []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &ints) != nil || len(ints) != 1 || !strings.Contains(errOut, wantInt) {
		t.Errorf("integration list --json with a damaged record: %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = cli(t, ctx, "", "runs")
	if code != 0 || !regexp.MustCompile(`(?m)^3 .*\n1 `).MatchString(out) || !strings.Contains(out, wantRun) {
		t.Errorf("runs with a damaged run: %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = cli(t, ctx, "", "runs", "--json")
	var runs []storage.Run
	if code != 0 || json.Unmarshal([]byte(out), &runs) != nil || len(runs) != 2 || !strings.Contains(errOut, wantRun) {
		t.Errorf("runs --json with a damaged run: %d\n%s%s", code, out, errOut)
	}

	// the damaged integration can be deleted, and the deletion is audited
	out, errOut, code = cli(t, ctx, "", "integration", "delete", bad, "--yes")
	if code != 0 || !strings.Contains(out, "Deleted "+bad) {
		t.Fatalf("integration delete of a damaged record: %d %q %q", code, out, errOut)
	}
	out, errOut, code = cli(t, ctx, "", "integration", "list")
	if code != 0 || strings.Contains(out, bad) || !strings.Contains(out, "Onboard new hires") {
		t.Errorf("integration list after the delete: %d\n%s%s", code, out, errOut)
	}
	out, _, _ = cli(t, ctx, "", "audit")
	if !strings.Contains(out, "integration.delete") || !strings.Contains(out, bad) {
		t.Errorf("the delete of a damaged record is not audited:\n%s", out)
	}
}

// TestDamagedLineForASecretKeyProblem: a record whose secrets the key
// cannot open is not called damaged: the way out is the right key first.
func TestDamagedLineForASecretKeyProblem(t *testing.T) {
	p := storage.RecordProblem{Bucket: "integrations", Key: "int_x", Err: fmt.Errorf("integration %q %w: wrong key", "Onboard", storage.ErrSecretKey)}
	line := damagedLine(p)
	for _, want := range []string{"integration int_x: its secrets cannot be opened", "secret key they were sealed with", "oktaflow integration delete int_x"} {
		if !strings.Contains(line, want) {
			t.Errorf("the line %q lacks %q", line, want)
		}
	}
}
