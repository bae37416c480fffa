package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// injectWriteFault makes the database file refuse writes, as a full disk
// or a file system gone read-only does: the descriptor bbolt writes
// through is replaced (dup3) by one opened read-only, so its pwrite,
// ftruncate fail in the kernel while reads and the memory map go on.
// restore puts a writable one back. Linux only (/proc/self/fd, dup3).
func injectWriteFault(t *testing.T, s *Store) (restore func()) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("write faults are injected through /proc/self/fd and dup3")
	}
	fd := -1
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("Linux without /proc/self/fd: %v", err) // never a silent skip
	}
	for _, e := range ents {
		if l, _ := os.Readlink("/proc/self/fd/" + e.Name()); l == s.Path() {
			if fd != -1 {
				t.Fatalf("the database file is open twice (fds %d and %s)", fd, e.Name())
			}
			fd, _ = strconv.Atoi(e.Name())
		}
	}
	if fd == -1 {
		t.Fatal("the database file's descriptor was not found")
	}
	swap := func(flag int) {
		f, err := os.OpenFile(s.Path(), flag, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := syscall.Dup3(int(f.Fd()), fd, syscall.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
	}
	swap(os.O_RDONLY)
	return func() { swap(os.O_RDWR) }
}

func TestAWriteFaultIsTyped(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	enqueue(t, s, in.ID, "before")
	restore := injectWriteFault(t, s)
	_, err := s.EnqueueEvents(in.ID, keyed("k", 0, 3), EnqueueOptions{})
	if !errors.Is(err, ErrWriteFailed) {
		t.Fatalf("a write the file system refused: %v, want ErrWriteFailed", err)
	}
	if !strings.Contains(err.Error(), "nothing of this change was saved") {
		t.Fatalf("%q does not say that nothing was saved", err)
	}
	restore()
	if seen, _ := s.Seen(in.ID, "k0"); seen {
		t.Fatal("a key of the refused write was kept")
	}
	if res, err := s.EnqueueEvents(in.ID, keyed("k", 0, 3), EnqueueOptions{}); err != nil || res[0].Duplicate {
		t.Fatalf("after the disk is back: %+v %v", res, err)
	}
	// A request's own error is not a write fault.
	if _, err := s.SetEnabled("int_nosuchintegr", true, time.Time{}); err == nil || errors.Is(err, ErrWriteFailed) {
		t.Fatalf("a missing integration: %v", err)
	}
}

// Closing while the disk refuses writes answers what is queued with the
// failure at once: the writer does not try each queued write against the
// failing disk in turn (a Close that took as long as the queue is deep).
func TestClosingWithAFailingDiskDoesNotRetryEachWrite(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	release := holdWriter(t, s)
	const senders = 8
	errs := make(chan error, senders)
	for i := range senders {
		go func() {
			_, err := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{}`), DedupeKey: fmt.Sprint("c", i)}}, EnqueueOptions{})
			errs <- err
		}()
	}
	waitQueued(t, s, senders)
	injectWriteFault(t, s) // no restore: the store closes with the fault in place
	before := s.WriteStats()
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	for !s.w.isClosed() {
		time.Sleep(time.Millisecond)
	}
	release()
	for range senders {
		if err := <-errs; !errors.Is(err, ErrWriteFailed) {
			t.Fatalf("a write queued when the disk failed: %v, want ErrWriteFailed", err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if c := s.WriteStats().Commits - before.Commits; c != 2 {
		t.Fatalf("%d commits: want the held one and one attempt of the failing group, not one per write", c)
	}
}

// A write that never returns (a disk that stopped answering) does not
// hold Close forever: it gives up with ErrWriterStuck, answers the queued
// writes ErrClosed, and the file is released once the write returns.
func TestCloseGivesUpOnAStuckWrite(t *testing.T) {
	defer func(d time.Duration) { closeWait = d }(closeWait)
	closeWait = 20 * time.Millisecond
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	release := holdWriterIn(t, s, false) // stuck in its transaction until released
	var wg sync.WaitGroup
	queued := make([]error, 2)
	for i := range queued {
		wg.Go(func() {
			_, queued[i] = s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{}`), DedupeKey: fmt.Sprint("q", i)}}, EnqueueOptions{})
		})
	}
	waitQueued(t, s, len(queued))
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if !errors.Is(err, ErrWriterStuck) {
			t.Fatalf("Close with a stuck write: %v, want ErrWriterStuck", err)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		release()
		t.Fatal("Close blocks while a write is stuck")
	}
	wg.Wait()
	for i, err := range queued {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("queued write %d: %v, want ErrClosed", i, err)
		}
	}
	release() // the stuck write returns: the writer closes the file
	<-s.w.exited
	again, err := Open(s.Path(), Options{Getenv: func(string) string { return "" }, LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("the file was not released after the stuck write returned: %v", err)
	}
	again.Close()
}
