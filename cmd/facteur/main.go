// Command facteur turns an organisation's data into scheduled, verifiable
// deliveries. It is the only place that knows every package: it reads flags
// and environment, wires the parts together, runs, and stops gracefully.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

const usage = `Facteur: scheduled, verifiable, secure data deliveries.

Usage:
  facteur serve [flags]     run the scheduler, the workers and the REST API
  facteur export [flags]    export a query or a table once, without a server
  facteur user COMMAND      create accounts, set passwords, make API tokens
  facteur secrets rotate    encrypt the stored credentials again under a new key
  facteur version           print the version

Run "facteur COMMAND -h" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "facteur:", userMessage(err))
		}
		os.Exit(exitCode(err))
	}
}

// errUsage reports a command line that was wrong; the usage was printed.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	// The formats every part reads: the export runner, the API, the web
	// UI (through the API) and the flags' help.
	formats := format.Builtin()
	switch args[0] {
	case "serve":
		return runServe(ctx, formats, args[1:], stdout, stderr)
	case "export":
		return runExport(ctx, formats, args[1:], stdout, stderr)
	case "user":
		return runUser(ctx, args[1:], os.Stdin, stdout, stderr)
	case "secrets":
		return runSecrets(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "facteur", versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "facteur: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}

// versionString returns the build's version, or the commit it was built from.
func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" && info.Main.Version != "(devel)" {
			return info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// userMessage is what the command prints for err: the user-facing message
// and its cause.
func userMessage(err error) string {
	var fe *facteur.Error
	if errors.As(err, &fe) {
		if fe.Err != nil && fe.Code != facteur.EUNAUTHORIZED {
			return fmt.Sprintf("%s (%v)", fe.Message, fe.Err)
		}
		return fe.Message
	}
	return err.Error()
}

// exitCode maps errors to exit statuses: 2 for a bad command line or input,
// 1 otherwise.
func exitCode(err error) int {
	if errors.Is(err, errUsage) || facteur.ErrorCode(err) == facteur.EINVALID {
		return 2
	}
	return 1
}
