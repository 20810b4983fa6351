package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, COPY, …
	args string
}

// stage is one FROM and the instructions under it.
type stage struct {
	from, name string
	body       []instruction
}

// dockerfile is a parsed Dockerfile: the ARGs before the first FROM, and
// the stages.
type dockerfile struct {
	globalArgs map[string]string
	stages     []stage
}

// parseDockerfile reads the instructions of deploy/Dockerfile. It knows
// comments, line continuations and ARG defaults, which is all the file
// uses; heredocs are not supported.
func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	df := dockerfile{globalArgs: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, "Dockerfile")))
	var cur strings.Builder
	start, n := 0, 0
	flush := func() {
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			return
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		switch {
		case in.cmd == "FROM":
			f := strings.Fields(in.args)
			var s stage
			for i := 0; i < len(f); i++ {
				switch {
				case strings.HasPrefix(f[i], "--"):
				case strings.EqualFold(f[i], "AS") && i+1 < len(f):
					s.name = f[i+1]
					i++
				default:
					s.from = f[i]
				}
			}
			df.stages = append(df.stages, s)
		case len(df.stages) == 0:
			if in.cmd != "ARG" {
				t.Errorf("Dockerfile:%d: %s before the first FROM", in.line, in.cmd)
			}
			k, v, _ := strings.Cut(in.args, "=")
			df.globalArgs[k] = v
		default:
			s := &df.stages[len(df.stages)-1]
			s.body = append(s.body, in)
		}
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if body, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	flush()
	return df
}

// expandArgs substitutes ${NAME} and $NAME from the global ARG defaults.
func (df dockerfile) expandArgs(s string) string {
	return regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`).ReplaceAllStringFunc(s, func(ref string) string {
		name := strings.Trim(ref, "${}")
		if v, ok := df.globalArgs[name]; ok {
			return v
		}
		return ref
	})
}

// last returns the stage's last instruction cmd, or false.
func (s stage) last(cmd string) (instruction, bool) {
	for i := len(s.body) - 1; i >= 0; i-- {
		if s.body[i].cmd == cmd {
			return s.body[i], true
		}
	}
	return instruction{}, false
}

// execForm decodes a JSON-array ("exec form") instruction.
func execForm(in instruction) ([]string, error) {
	var v []string
	if err := json.Unmarshal([]byte(in.args), &v); err != nil {
		return nil, fmt.Errorf("Dockerfile:%d: %s %s: want the JSON exec form: %w", in.line, in.cmd, in.args, err)
	}
	return v, nil
}

// dockerCMD is the final stage's CMD, the container's default arguments.
func dockerCMD(t *testing.T) []string {
	t.Helper()
	df := parseDockerfile(t)
	in, ok := df.stages[len(df.stages)-1].last("CMD")
	if !ok {
		t.Fatal("Dockerfile: the final stage has no CMD")
	}
	cmd, err := execForm(in)
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// goModVersion is the go directive of the repository's go.mod.
func goModVersion(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(readFile(t, "../go.mod"))
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

// TestDockerfileBuildStage checks the builder: the Go release go.mod asks
// for, a static trimmed binary with the version stamped in, cached modules.
func TestDockerfileBuildStage(t *testing.T) {
	t.Parallel()
	df := parseDockerfile(t)
	if len(df.stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and a runtime stage", len(df.stages))
	}
	build := df.stages[0]
	if want := "golang:" + goModVersion(t); !strings.HasPrefix(df.expandArgs(build.from), want) {
		t.Errorf("build stage FROM %s (%s), want %s to match go.mod", build.from, df.expandArgs(build.from), want)
	}
	var goBuild string
	for _, in := range build.body {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			goBuild = in.args
		}
	}
	if goBuild == "" {
		t.Fatal("build stage has no RUN … go build")
	}
	for _, want := range []string{
		"CGO_ENABLED=0", "-trimpath", "-s -w", "-X main.version=${VERSION}", "./cmd/patchbot",
		"--mount=type=cache,target=/go/pkg/mod", "--mount=type=cache,target=/root/.cache/go-build",
	} {
		if !strings.Contains(goBuild, want) {
			t.Errorf("go build step lacks %q:\n%s", want, goBuild)
		}
	}
	if !slices.ContainsFunc(build.body, func(in instruction) bool { return in.cmd == "ARG" && strings.HasPrefix(in.args, "VERSION") }) {
		t.Errorf("build stage declares no ARG VERSION for -X main.version")
	}
}

// TestDockerfileRuntimeStage checks the image that runs: distroless,
// non-root, the config path and port the manifests use, the ledger volume.
func TestDockerfileRuntimeStage(t *testing.T) {
	t.Parallel()
	df := parseDockerfile(t)
	final := df.stages[len(df.stages)-1]
	if final.from != "gcr.io/distroless/static-debian12:nonroot" {
		t.Errorf("final stage FROM %s, want gcr.io/distroless/static-debian12:nonroot", final.from)
	}
	user, ok := final.last("USER")
	if !ok {
		t.Errorf("final stage sets no USER; say the non-root user explicitly")
	} else if u, _, _ := strings.Cut(user.args, ":"); u == "0" || u == "root" || u == "" {
		t.Errorf("Dockerfile:%d: USER %s is root", user.line, user.args)
	}
	for _, in := range final.body {
		if in.cmd == "RUN" || in.cmd == "ADD" {
			t.Errorf("Dockerfile:%d: %s in the runtime stage: distroless has no shell, build in the first stage", in.line, in.cmd)
		}
	}

	ep, ok := final.last("ENTRYPOINT")
	if !ok {
		t.Fatal("final stage has no ENTRYPOINT")
	}
	entry, err := execForm(ep)
	if err != nil {
		t.Fatal(err)
	}
	if len(entry) != 1 || path.Base(entry[0]) != "patchbot" || !path.IsAbs(entry[0]) {
		t.Errorf("ENTRYPOINT %v, want the absolute path of the patchbot binary alone", entry)
	}
	copied := slices.ContainsFunc(final.body, func(in instruction) bool {
		f := strings.Fields(in.args)
		return in.cmd == "COPY" && len(f) > 0 && f[len(f)-1] == entry[0]
	})
	if !copied {
		t.Errorf("no COPY puts the binary at the ENTRYPOINT %s", entry[0])
	}

	cmd := dockerCMD(t)
	if file, ok := configArg(cmd); !ok || len(cmd) == 0 || cmd[0] != "run" || file != configPath {
		t.Errorf("CMD %v, want [run --config %s] (the ConfigMap's mount)", cmd, configPath)
	}
	vol, ok := final.last("VOLUME")
	if !ok || !strings.Contains(vol.args, stateDir) {
		t.Errorf("final stage VOLUME %q, want %s (store.path's directory)", vol.args, stateDir)
	}
	cfg, _ := loadManifests(t).parsedConfig(t)
	port := fmt.Sprint(listenPort(t, cfg.HTTP.Listen))
	exp, ok := final.last("EXPOSE")
	if !ok || !slices.Contains(strings.Fields(exp.args), port) {
		t.Errorf("EXPOSE %q, want %s (the ConfigMap's http.listen)", exp.args, port)
	}
}

// TestDockerignore checks that the build context leaves out git history,
// env files and ledgers, but not what the build needs.
func TestDockerignore(t *testing.T) {
	t.Parallel()
	var patterns []string
	for _, l := range strings.Split(string(readFile(t, "../.dockerignore")), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	for _, want := range []string{".git", "**/*.env", "**/*.db"} {
		if !slices.Contains(patterns, want) {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
	for _, p := range patterns {
		for _, needed := range []string{"go.mod", "go.sum", "cmd", "config", "handoff", "connectors", "scheduler"} {
			if ok, _ := path.Match(strings.TrimPrefix(p, "/"), needed); ok {
				t.Errorf(".dockerignore pattern %q excludes %s, which the build needs", p, needed)
			}
		}
	}
}
