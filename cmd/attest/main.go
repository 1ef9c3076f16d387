// Command attest runs the attest verification service and its tools.
//
//	attest serve   --addr HOST:PORT --data DIR [--db URL] [--base-url URL] [--smtp URL]
//	attest demo    [--addr HOST:PORT] [--data DIR]
//	attest apikey create --name NAME (--data DIR | --db URL)
//	attest staff add --email E --role agent|supervisor|admin (--data DIR | --db URL)
//	attest staff review --email E [--withdraw] (--data DIR | --db URL)
//	attest migrate (--data DIR | --db URL)
//	attest audit verify (--data DIR | --db URL)
//	attest plan --arrivals-per-hour N --handle-minutes M --target-wait DURATION [--service-level 0.8] [--json]
//	attest wallet present --data DIR (--link URL | --portal-url URL)   (development: the test wallet)
//	attest wallet receive --offer LINK                                  (development: the test wallet takes an offer)
//	attest wallet issuer --data DIR                                     (development: the demo issuer's trust file)
//
// Every flag can also be set with an ATTEST_* environment variable: --data
// is ATTEST_DATA, --base-url is ATTEST_BASE_URL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // freelancers' time zones work on hosts without zoneinfo
)

const usage = `attest verifies freelancer profiles through short live video calls.

Usage:
  attest serve   --addr HOST:PORT --data DIR [--db URL] --master-key-file FILE [--base-url URL] [--smtp URL]
  attest demo    [--addr HOST:PORT] [--data DIR]
  attest keys new
  attest keys rotate --master-key-file OLD --new-master-key-file NEW [--grace 720h] (--data DIR | --db URL)
  attest keys status (--data DIR | --db URL)
  attest apikey create --name NAME (--data DIR | --db URL)
  attest staff add --email E --role agent|supervisor|admin (--data DIR | --db URL)
  attest staff review --email E [--withdraw] (--data DIR | --db URL)
  attest migrate (--data DIR | --db URL)
  attest audit verify (--data DIR | --db URL)
  attest plan --arrivals-per-hour N --handle-minutes M --target-wait DURATION [--service-level 0.8] [--json]
  attest wallet present --data DIR (--link openid4vp://… | --portal-url URL) [--given-name G --family-name F]
  attest wallet receive --offer 'openid-credential-offer://…'
  attest wallet issuer --data DIR

Flags may also be given as ATTEST_* environment variables (--data is ATTEST_DATA).
Run "attest COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(os.Stderr, "attest: %v\n\n%s", err, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "attest: %v\n", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	two := func(sub string) bool { return len(rest) > 0 && rest[0] == sub }
	switch {
	case cmd == "serve":
		return serve(ctx, rest, stdout, stderr)
	case cmd == "demo":
		return demo(ctx, rest, stdout, stderr)
	case cmd == "apikey" && two("create"):
		return apikeyCreate(ctx, rest[1:], stdout)
	case cmd == "staff" && two("add"):
		return staffAdd(ctx, rest[1:], stdin, stdout)
	case cmd == "staff" && two("review"):
		return staffReview(ctx, rest[1:], stdout)
	case cmd == "migrate":
		return migrate(ctx, rest, stdout)
	case cmd == "audit" && two("verify"):
		return auditVerify(ctx, rest[1:], stdout)
	case cmd == "keys":
		return keysCommand(ctx, rest, stdout, stderr)
	case cmd == "plan":
		return plan(ctx, rest, stdout, stderr)
	case cmd == "wallet":
		return walletCommand(ctx, rest, stdout, stderr)
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", strings.Join(args[:min(2, len(args))], " "))}
}

// flags is a command's flag set whose defaults come from ATTEST_* variables.
type flags struct {
	*flag.FlagSet
}

func newFlags(name string, stderr io.Writer) flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return flags{fs}
}

// env is the ATTEST_* variable of a flag: base-url is ATTEST_BASE_URL.
func env(flagName string) string {
	return "ATTEST_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f flags) str(name, def, help string) *string {
	if v, ok := os.LookupEnv(env(name)); ok {
		def = v
	}
	return f.String(name, def, help+" ("+env(name)+")")
}

func (f flags) boolean(name string, def bool, help string) *bool {
	if v, ok := os.LookupEnv(env(name)); ok {
		def = v == "1" || strings.EqualFold(v, "true")
	}
	return f.Bool(name, def, help+" ("+env(name)+")")
}

func (f flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", f.Name(), f.Arg(0))}
	}
	return nil
}
