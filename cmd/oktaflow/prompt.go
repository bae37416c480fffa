package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Questions at a terminal. A command asks only when both its input and its
// error stream are a terminal (never over SSH without a terminal, never in
// a pipe); scripts answer with flags (--yes and the command's own).
//
// The forms are huh's standalone forms, drawn on standard error so that
// standard output stays the command's result. --accessible (or
// OKTAFLOW_ACCESSIBLE=1) asks in plain lines for screen readers instead.
// Known huh v2.0.3 limits are kept clear of: no OptionsFunc (it loops in
// accessible mode), no hidden groups (accessible mode asks them anyway),
// and a width is always set (a 0 width panics an input with a placeholder).

// errCancelled is a question answered no, or a form left with ctrl+c.
var errCancelled = errors.New("cancelled; nothing was changed")

// terminalIO returns the command's input and error stream as terminals,
// ok false when either is not one.
func terminalIO(cmd *cobra.Command) (in, out *os.File, ok bool) {
	in, inOK := cmd.InOrStdin().(*os.File)
	out, outOK := cmd.ErrOrStderr().(*os.File)
	if !inOK || !outOK || !term.IsTerminal(int(in.Fd())) || !term.IsTerminal(int(out.Fd())) {
		return nil, nil, false
	}
	return in, out, true
}

// interactive reports whether the command may ask questions.
func interactive(cmd *cobra.Command) bool {
	_, _, ok := terminalIO(cmd)
	return ok
}

// accessible reports whether questions are asked in plain lines.
func (g *globals) accessible() bool {
	if g.accessibleFlag {
		return true
	}
	v, err := strconv.ParseBool(os.Getenv("OKTAFLOW_ACCESSIBLE"))
	return err == nil && v
}

// runForm runs a huh form at the terminal. ctrl+c (or the end of the
// input in accessible mode, where huh cannot say it) is errCancelled.
func (g *globals) runForm(cmd *cobra.Command, form *huh.Form) error {
	in, out, ok := terminalIO(cmd)
	if !ok {
		return errors.New("not at a terminal")
	}
	width := 80
	if w, _, err := term.GetSize(int(out.Fd())); err == nil && w > 20 {
		width = min(w, 100)
	}
	isDark := lipgloss.HasDarkBackground(in, out)
	form = form.WithInput(in).WithOutput(out).WithWidth(width).
		WithTheme(huh.ThemeFunc(func(bool) *huh.Styles { return huh.ThemeCharm(isDark) })).
		WithAccessible(g.accessible())
	if g.accessible() {
		// Accessible prompts block on a line read and take no context:
		// run them aside so that ctrl+c (the context) still ends the command.
		done := make(chan error, 1)
		go func() { done <- form.RunWithContext(cmd.Context()) }()
		select {
		case err := <-done:
			return formError(err)
		case <-cmd.Context().Done():
			fmt.Fprintln(out)
			return errCancelled
		}
	}
	return formError(form.RunWithContext(cmd.Context()))
}

func formError(err error) error {
	if errors.Is(err, huh.ErrUserAborted) || errors.Is(err, context.Canceled) {
		return errCancelled
	}
	return err
}

// confirm asks a question before a change (default: no). --yes answers it.
// Not at a terminal the change goes ahead when the command line says
// enough on its own (scriptOK); otherwise the command asks for --yes.
func (g *globals) confirm(cmd *cobra.Command, yes, scriptOK bool, title, detail string) error {
	if yes {
		return nil
	}
	if !interactive(cmd) {
		if scriptOK {
			return nil
		}
		return &usageError{fmt.Errorf("%s\n%s\nNot at a terminal, so nothing was asked: add --yes to go ahead", title, detail)}
	}
	ok := false
	c := huh.NewConfirm().Title(title).Affirmative("Yes").Negative("No").Value(&ok)
	if detail != "" {
		c = c.Description(detail)
	}
	if err := g.runForm(cmd, huh.NewForm(huh.NewGroup(c))); err != nil {
		return err
	}
	if !ok {
		return errCancelled
	}
	return nil
}
