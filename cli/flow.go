package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skyport-dev/skyport/core/flow"
)

// parseOne parses flags followed by exactly one argument named what.
func parseOne(fs *flag.FlagSet, args []string, env Env, what string) (arg string, code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(env.Stdout)
		fs.Usage()
		return "", ExitOK, true
	case err != nil:
		fmt.Fprintf(env.Stderr, "%s: %v (run '%s --help')\n", prog(fs), err, prog(fs))
		return "", ExitUsage, true
	case fs.NArg() != 1:
		fmt.Fprintf(env.Stderr, "%s: want one %s argument, got %d (run '%s --help')\n", prog(fs), what, fs.NArg(), prog(fs))
		return "", ExitUsage, true
	}
	return fs.Arg(0), ExitOK, false
}

func runExport(args []string, env Env) int {
	fs := newFlagSet("export", "skyport export [--format cloudformation|asl] [--out PATH] [--machine NAME] WORKSPACE",
		"Export a workspace file as an AWS CloudFormation template (YAML) or as the ASL JSON of its state machines.\n"+
			"With --format asl, --machine picks one state machine; --out DIR writes NAME.asl.json for each.")
	format := fs.String("format", "cloudformation", "`cloudformation` or asl")
	out := fs.String("out", "", "write to this `path` instead of standard output (a directory for several ASL files)")
	machine := fs.String("machine", "", "with --format asl: the state machine `name` to export")
	path, code, done := parseOne(fs, args, env, "WORKSPACE")
	if done {
		return code
	}
	w, err := flow.Load(path)
	if err != nil {
		fmt.Fprintf(env.Stderr, "skyport export: %v\n", err)
		return ExitError
	}
	switch *format {
	case "cloudformation", "cfn":
		tpl, err := flow.ExportCloudFormation(w)
		if err != nil {
			fmt.Fprintf(env.Stderr, "skyport export: %s: %v\n", path, err)
			return ExitError
		}
		return writeOut(env, *out, tpl)
	case "asl":
		return exportASL(env, w, path, *machine, *out)
	}
	fmt.Fprintf(env.Stderr, "skyport export: --format %q: want cloudformation or asl\n", *format)
	return ExitUsage
}

func exportASL(env Env, w *flow.Workspace, path, machine, out string) int {
	files, err := flow.ExportASL(w)
	if err != nil {
		fmt.Fprintf(env.Stderr, "skyport export: %s: %v\n", path, err)
		return ExitError
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	switch {
	case machine != "":
		def, ok := files[machine]
		if !ok {
			fmt.Fprintf(env.Stderr, "skyport export: %s has no state machine %q (it has: %s)\n", path, machine, strings.Join(names, ", "))
			return ExitError
		}
		return writeOut(env, out, def)
	case len(names) == 0:
		fmt.Fprintf(env.Stderr, "skyport export: %s has no state machines\n", path)
		return ExitError
	case len(names) == 1:
		return writeOut(env, out, files[names[0]])
	case out == "":
		fmt.Fprintf(env.Stderr, "skyport export: %s has %d state machines (%s): pick one with --machine or give --out DIR\n", path, len(names), strings.Join(names, ", "))
		return ExitUsage
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintf(env.Stderr, "skyport export: %v\n", err)
		return ExitError
	}
	for _, n := range names {
		p := filepath.Join(out, n+".asl.json")
		if err := flow.WriteFileAtomic(p, files[n]); err != nil {
			fmt.Fprintf(env.Stderr, "skyport export: %v\n", err)
			return ExitError
		}
		fmt.Fprintln(env.Stdout, p)
	}
	return ExitOK
}

// writeOut writes data to path (atomically) or to standard output.
func writeOut(env Env, path string, data []byte) int {
	if path == "" {
		env.Stdout.Write(data)
		return ExitOK
	}
	if err := flow.WriteFileAtomic(path, data); err != nil {
		fmt.Fprintf(env.Stderr, "skyport: %v\n", err)
		return ExitError
	}
	return ExitOK
}

func runImport(args []string, env Env) int {
	fs := newFlagSet("import", "skyport import [--out WORKSPACE] FILE",
		"Read a CloudFormation or SAM template (YAML or JSON) or an ASL JSON file and write it as a Skyport workspace.\n"+
			"Resources Skyport does not model, and connections it cannot make, are listed on standard error.")
	out := fs.String("out", "", "write the workspace to this `file` instead of standard output")
	path, code, done := parseOne(fs, args, env, "FILE")
	if done {
		return code
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(env.Stderr, "skyport import: %v\n", err)
		return ExitError
	}
	w, rep, err := flow.Import(path, data)
	if err != nil {
		fmt.Fprintf(env.Stderr, "skyport import: %v\n", err)
		return ExitError
	}
	for _, u := range rep.Unsupported {
		fmt.Fprintf(env.Stderr, "skyport import: %s: unsupported resource %s\n", path, u)
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(env.Stderr, "skyport import: %s: skipped %s\n", path, s)
	}
	if *out != "" {
		if err := w.Save(*out); err != nil {
			fmt.Fprintf(env.Stderr, "skyport import: %v\n", err)
			return ExitError
		}
		return ExitOK
	}
	data, err = w.Marshal()
	if err != nil {
		fmt.Fprintf(env.Stderr, "skyport import: %v\n", err)
		return ExitError
	}
	env.Stdout.Write(data)
	return ExitOK
}
