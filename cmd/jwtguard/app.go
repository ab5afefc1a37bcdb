package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

// Exit statuses.
const (
	exitOK     = 0 // accepted, healthy, decoded
	exitFailed = 1 // refused, something will break, not a JWT
	exitUsage  = 2 // usage or configuration error; explain: keys unavailable
)

// app is one run of the command, with its streams and clock (tests set
// them).
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
	color          bool
	synopsis       map[string]string // of each command, for its usage
}

const usage = `jwtguard says exactly why an API refuses a JWT access token.

Usage:
  jwtguard explain -issuer ISS -audience AUD [flags] TOKEN
        run every check of the validator on TOKEN and say why it is refused
  jwtguard doctor -issuer ISS -audience AUD [flags]
        fetch the issuer's discovery document and keys, and report what will break
  jwtguard decode [-json] TOKEN
        print the header and claims of TOKEN, verifying nothing

TOKEN "-" reads the token from standard input. "jwtguard COMMAND -h" lists
the flags of COMMAND.

Exit status: 0 accepted, healthy or decoded; 1 refused, something will
break, or not a JWT; 2 a usage or configuration error, or (explain) the keys
could not be fetched.

explain is an oracle: it tells which check failed and the values involved.
It is for developers and operators; never expose it to untrusted clients.
`

func (a *app) run(args []string) int {
	a.synopsis = map[string]string{}
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "explain":
		return a.explain(args[1:])
	case "doctor":
		return a.doctor(args[1:])
	case "decode":
		return a.decode(args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprint(a.stdout, usage)
		return exitOK
	}
	fmt.Fprintf(a.stderr, "jwtguard: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// errUsage is a usage error already reported.
var errUsage = errors.New("usage")

// errHelp is -h: usage printed, exit 0.
var errHelp = errors.New("help")

// newFlags returns a flag set for cmd that reports errors to stderr and
// prints its usage, the synopsis atop the flags, for -h.
func (a *app) newFlags(cmd, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {} // the flag package's errors are enough; -h prints the usage below
	a.synopsis[cmd] = synopsis
	return fs
}

// printUsage prints the synopsis and flags of the command of fs to w.
func (a *app) printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s\n\nFlags:\n", a.synopsis[fs.Name()])
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(a.stderr)
}

// parse parses args, flags and positional arguments in any order
// (the flag package alone stops at the first positional), and returns the
// positional ones. -h prints the usage to stdout.
func (a *app) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				a.printUsage(a.stdout, fs)
				return nil, errHelp
			}
			// The flag package said what was wrong.
			fmt.Fprintf(a.stderr, "Run 'jwtguard %s -h' for its flags.\n", fs.Name())
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError reports a usage problem.
func (a *app) usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(a.stderr, "jwtguard %s: %s\nUsage: %s\nRun 'jwtguard %s -h' for its flags.\n",
		fs.Name(), fmt.Sprintf(format, args...), a.synopsis[fs.Name()], fs.Name())
	return exitUsage
}

// exitFor maps a parse error to the exit status.
func exitFor(err error) int {
	if errors.Is(err, errHelp) {
		return exitOK
	}
	return exitUsage
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, " ") }

func (s *stringList) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("empty value")
	}
	*s = append(*s, v)
	return nil
}

// scopeList is a repeatable flag whose values may hold several
// space-separated scopes.
type scopeList []string

func (s *scopeList) String() string { return strings.Join(*s, " ") }

func (s *scopeList) Set(v string) error {
	f := strings.Fields(v)
	if len(f) == 0 {
		return errors.New("empty scope")
	}
	*s = append(*s, f...)
	return nil
}

// algList is the -algs flag: comma-separated JWS algorithms.
type algList []jwks.Alg

func (l *algList) String() string {
	var s []string
	for _, a := range *l {
		s = append(s, string(a))
	}
	return strings.Join(s, ",")
}

func (l *algList) Set(v string) error {
	*l = nil
	for _, s := range strings.Split(v, ",") {
		a, ok := jwks.ParseAlg(strings.TrimSpace(s))
		if !ok {
			return fmt.Errorf("unknown algorithm %q (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384, HS512)", s)
		}
		*l = append(*l, a)
	}
	return nil
}

// asymmetric drops the HMAC algorithms, which never come from a JWKS.
func (l algList) asymmetric() []jwks.Alg {
	var out []jwks.Alg
	for _, a := range l {
		if !a.IsHMAC() {
			out = append(out, a)
		}
	}
	return out
}

// readToken returns the token argument, or standard input for "-",
// trimmed, without a "Bearer " prefix (said on stderr).
func (a *app) readToken(arg string) (string, error) {
	tok := arg
	if arg == "-" {
		b, err := io.ReadAll(io.LimitReader(a.stdin, maxInput+1))
		if err != nil {
			return "", fmt.Errorf("reading standard input: %w", err)
		}
		if len(b) > maxInput {
			return "", fmt.Errorf("standard input holds more than %d bytes: not a token", maxInput)
		}
		tok = strings.TrimSpace(string(b))
	}
	if len(tok) > 7 && strings.EqualFold(tok[:7], "bearer ") {
		tok = strings.TrimSpace(tok[7:])
		fmt.Fprintln(a.stderr, `jwtguard: note: the "Bearer " prefix was left out`)
	}
	if tok == "" {
		return "", errors.New("the token is empty")
	}
	return tok, nil
}

// maxInput bounds what is read as a token.
const maxInput = 1 << 20

// Colours, used only on a terminal without NO_COLOR.
const (
	green  = "\x1b[32m"
	red    = "\x1b[1;31m"
	yellow = "\x1b[33m"
	dim    = "\x1b[2m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

func (a *app) paint(colour, s string) string {
	if !a.color {
		return s
	}
	return colour + s + reset
}
