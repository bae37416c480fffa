// Package widget holds the pieces the app's screens are built from, each
// written once: a list's cursor and scroll window, a busy spinner, a
// type-to-filter picker, a yes/no question, highlighted JSON, a template
// input with suggestions, and the glue that embeds huh forms with the
// app's theme and keys. Widgets do no I/O and keep all their state
// changes in Update (or in explicit setters); View only reads.
package widget
