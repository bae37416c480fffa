package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// completionShells are the shells `oktaflow completion SHELL` writes a
// script for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

// newCompletionCmd is `oktaflow completion SHELL`, in place of cobra's
// default: it writes to the command's output as it runs (cobra's binds
// standard output when the command is added, so over SSH the script went to
// the server's own output), and an unknown shell is a usage error naming
// the shells (cobra printed the help and exited 0). Over SSH it prints the
// same script: it reads and changes nothing.
func newCompletionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "completion SHELL",
		Short: "Print the shell completion script for bash, zsh, fish or powershell",
		Long: "Prints the script that completes oktaflow's commands and flags in your shell. Load it:\n\n" +
			"  bash        source <(oktaflow completion bash)   (for good: oktaflow completion bash > ~/.local/share/bash-completion/completions/oktaflow)\n" +
			"  zsh         oktaflow completion zsh > \"${fpath[1]}/_oktaflow\"   (compinit must be on)\n" +
			"  fish        oktaflow completion fish > ~/.config/fish/completions/oktaflow.fish\n" +
			"  powershell  oktaflow completion powershell | Out-String | Invoke-Expression\n\n" +
			"The script completes with the oktaflow on your PATH; over SSH (ssh host completion bash) it is the same script.",
		ValidArgs: completionShells,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && slices.Contains(completionShells, args[0]) {
				return nil
			}
			what := "no shell given"
			if len(args) > 0 {
				what = fmt.Sprintf("there is no completion for %q", strings.Join(args, " "))
			}
			return &usageError{fmt.Errorf("%s: give one of %s, e.g. oktaflow completion bash", what, strings.Join(completionShells, ", "))}
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			out, root := cmd.OutOrStdout(), cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			default:
				return root.GenPowerShellCompletionWithDesc(out)
			}
		},
	}
}
