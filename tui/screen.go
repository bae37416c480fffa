package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/tui/widget"
)

// Screen is one page of the app. The root router (App) sends window sizes
// to every screen and every other message to the active one. Screens never
// do I/O in Update: they return tea.Cmds that call the engine.
type Screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	View() string
	// SetSize gives the body's size.
	SetSize(width, height int)
	// Title is the screen's name in the header.
	Title() string
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// Capturing reports whether keys go to a text input now, so that the
	// app's own keys (q, ?) must not act.
	Capturing() bool
}

// prompter is a screen that asks yes/no questions. The app draws the open
// one (Prompt non-nil) itself, between the body and the status bar, and
// its answer keys in the footer, so a question is never cut or pushed off
// the screen by what the body holds; the screen only routes keys to it
// (answer) and never draws it.
type prompter interface {
	Prompt() *widget.Confirm
}

// helpNoter is a screen whose help says more than its keys (the mapping
// language, say).
type helpNoter interface {
	HelpNote() []string
}

// Navigation and feedback messages. Screens switch by messages, not calls.
type (
	// pushMsg opens a screen on top of the current one.
	pushMsg struct{ screen Screen }
	// popMsg closes the current screen.
	popMsg struct{}
	// replaceMsg swaps the current screen for another.
	replaceMsg struct{ screen Screen }
	// errMsg shows an error in the app's banner.
	errMsg struct{ err error }
	// toastMsg shows a short note in the status bar.
	toastMsg struct{ text string }
	// clearToastMsg hides the note if it is still the one shown.
	clearToastMsg struct{ id int }
	// dataChangedMsg tells the active screen to reload what it shows.
	dataChangedMsg struct{}
	// changedWarnMsg: a change was made but its audit entry was not
	// written; the app shows err and the screen reloads.
	changedWarnMsg struct{ err error }
)

func push(s Screen) tea.Cmd    { return func() tea.Msg { return pushMsg{s} } }
func pop() tea.Msg             { return popMsg{} }
func replace(s Screen) tea.Cmd { return func() tea.Msg { return replaceMsg{s} } }
func toast(text string) tea.Cmd {
	return func() tea.Msg { return toastMsg{text} }
}
func fail(err error) tea.Msg { return errMsg{err} }
