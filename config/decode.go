package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder walks a yaml.Node tree into the typed structs, driven by their
// yaml tags, so that every key is checked and placed: unknown keys, wrong
// types, unset variables and literal secrets are all collected, not just
// the first.
type decoder struct {
	file     string
	env      func(string) (string, bool)
	readFile func(string) ([]byte, error)
	baseDir  string
	errs     Errors
	pos      map[string]Pos
	// budget bounds the nodes visited, so aliases that expand
	// exponentially ("billion laughs") stop with an error. It is what the
	// document's own nodes cost plus nodeBudget: only aliases spend past
	// that, so a large legal file (a 100,000-entry owner_map) loads.
	budget  int
	spent   bool
	tooDeep bool
	// refs are the values written with ${VAR}, by key path; secretVars
	// the variables secret keys read, with the first key that reads each.
	refs       map[string]ref
	secretVars map[string]string
}

// nodeBudget is how many visits aliases may add to the document's own:
// far above any real use of anchors and far below a blow-up.
const nodeBudget = 200000

// budgetFor is the visit budget of the tree under root: each node is
// visited at most twice when no alias repeats it (a mapping entry costs one
// for the pair, one for the key and one for the value), plus nodeBudget.
func budgetFor(root *yaml.Node) int {
	n := 0
	var walk func(*yaml.Node)
	walk = func(x *yaml.Node) {
		n++
		// An alias node's target is counted where it is defined.
		for _, c := range x.Content {
			walk(c)
		}
	}
	walk(root)
	return 2*n + nodeBudget
}

func (d *decoder) errorf(path string, pos Pos, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: pos.Line, Path: path, Message: fmt.Sprintf(format, args...)})
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Column: n.Column} }

var (
	durationType = reflect.TypeFor[time.Duration]()
	timeType     = reflect.TypeFor[time.Time]()
	secretType   = reflect.TypeFor[Secret]()
)

// resolve follows aliases and spends the budget; it returns nil once the
// budget is gone.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			return nil
		}
		n = n.Alias
	}
	d.budget--
	if d.budget < 0 {
		if !d.spent {
			d.spent = true
			d.errorf("", posOf(n), "document too large: aliases expand it by more than %d nodes", nodeBudget)
		}
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names what a node is, for type errors.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return quote(n.Value)
	}
}

// decode stores n into v (settable). A null value keeps v as it was, so
// "key:" with nothing after it means "use the default".
func (d *decoder) decode(n *yaml.Node, path string, pos Pos, v reflect.Value) {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return
	}
	t := v.Type()
	switch {
	case t == secretType:
		if n.Kind != yaml.ScalarNode {
			d.errorf(path, pos, "expected ${ENV_VAR}, got %s", describe(n))
			return
		}
		if s, ok := d.secret(n.Value, path, pos); ok {
			v.Set(reflect.ValueOf(s))
		}
		return
	case t.Kind() == reflect.Struct && t != timeType:
		d.decodeStruct(n, path, pos, v)
		return
	case t.Kind() == reflect.Slice:
		d.decodeSlice(n, path, pos, v)
		return
	case t.Kind() == reflect.Map:
		d.decodeMap(n, path, pos, v)
		return
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(path, pos, "expected %s, got %s", typeName(t), describe(n))
		return
	}
	s, ok := d.expand(n.Value, path, pos)
	if !ok {
		return
	}
	d.scalar(s, n.Value, path, pos, v)
}

// typeName names the type a key expects.
func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "a duration such as 30s, 5m or 24h"
	case t == timeType:
		return "a date such as 2026-01-31"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	}
	return t.String()
}

// scalar converts an expanded scalar to v's type.
func (d *decoder) scalar(s, raw, path string, pos Pos, v reflect.Value) {
	t := v.Type()
	// An expanded value is shown as written (${VAR}): the variable may
	// hold anything, a credential included.
	expanded := raw != s
	shown := s
	if expanded {
		shown = raw
	}
	bad := func() { d.errorf(path, pos, "expected %s, got %s", typeName(t), quote(shown)) }
	switch {
	case t == durationType:
		dur, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			if _, nerr := strconv.ParseFloat(strings.TrimSpace(s), 64); nerr == nil && s != "0" {
				if expanded {
					d.errorf(path, pos, "duration %s has no unit: give one, e.g. 30s or 5m", quote(shown))
				} else {
					d.errorf(path, pos, "duration %s has no unit: write e.g. %ss or %sm", quote(s), s, s)
				}
				return
			}
			bad()
			return
		}
		v.SetInt(int64(dur))
	case t == timeType:
		s = strings.TrimSpace(s)
		at, err := time.Parse(time.DateOnly, s)
		if err != nil {
			at, err = time.Parse(time.RFC3339, s)
		}
		if err != nil {
			bad()
			return
		}
		v.Set(reflect.ValueOf(at))
	case t.Kind() == reflect.String:
		if tokenShape.MatchString(raw) || expanded && tokenShape.MatchString(s) {
			d.errorf(path, pos, "value looks like a Slack or Atlassian token: secrets go only in secret keys, as ${ENV_VAR} or *_file")
			return
		}
		v.SetString(s)
	case t.Kind() == reflect.Bool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			bad()
		}
	case t.Kind() == reflect.Int:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
		if err != nil {
			bad()
			return
		}
		v.SetInt(i)
	case t.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			bad()
			return
		}
		v.SetFloat(f)
	default:
		d.errorf(path, pos, "internal: cannot decode into %s", t)
	}
}

// pair is one mapping entry.
type pair struct{ key, val *yaml.Node }

// entries lists a mapping's entries with YAML merge keys ("<<: *base")
// applied: the mapping's own keys win over merged ones, and earlier merged
// mappings over later ones. Duplicate keys are reported.
func (d *decoder) entries(n *yaml.Node, path string, depth int) []pair {
	var own, merged []pair
	seen := map[string]int{}
	if d.budget -= len(n.Content) / 2; d.budget < 0 {
		if !d.spent {
			d.spent = true
			d.errorf(path, posOf(n), "document too large: aliases expand it by more than %d nodes", nodeBudget)
		}
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Tag == "") {
			merged = append(merged, d.mergeSources(val, path, depth)...)
			continue
		}
		if k.Kind == yaml.ScalarNode {
			if first, dup := seen[k.Value]; dup {
				d.errorf(join(path, k.Value), posOf(k), "duplicate key (first at line %d)", first)
				continue
			}
			seen[k.Value] = k.Line
		}
		own = append(own, pair{k, val})
	}
	for _, p := range merged {
		if _, dup := seen[p.key.Value]; !dup {
			seen[p.key.Value] = p.key.Line
			own = append(own, p)
		}
	}
	return own
}

func (d *decoder) mergeSources(val *yaml.Node, path string, depth int) []pair {
	if depth > 10 {
		if !d.tooDeep {
			d.tooDeep = true
			d.errorf(path, posOf(val), "merge keys (<<) nested more than 10 deep")
		}
		return nil
	}
	val = d.resolve(val)
	if val == nil {
		return nil
	}
	switch val.Kind {
	case yaml.MappingNode:
		return d.entries(val, path, depth+1)
	case yaml.SequenceNode:
		var out []pair
		for _, m := range val.Content {
			if m = d.resolve(m); m == nil {
				return out
			}
			if m.Kind != yaml.MappingNode {
				d.errorf(path, posOf(m), "a merge key (<<) takes a mapping or a list of mappings, got %s", describe(m))
				continue
			}
			out = append(out, d.entries(m, path, depth+1)...)
		}
		return out
	}
	d.errorf(path, posOf(val), "a merge key (<<) takes a mapping or a list of mappings, got %s", describe(val))
	return nil
}

// scalarKey returns a mapping key's text, reporting keys that are lists or
// mappings.
func (d *decoder) scalarKey(k *yaml.Node, path string) (string, bool) {
	if k = d.resolve(k); k == nil {
		return "", false
	}
	if k.Kind != yaml.ScalarNode {
		d.errorf(path, posOf(k), "a key must be a plain string, got %s", describe(k))
		return "", false
	}
	return k.Value, true
}

func (d *decoder) decodeStruct(n *yaml.Node, path string, pos Pos, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(path, pos, "expected a mapping, got %s", describe(n))
		return
	}
	fields := structKeys(v.Type())
	set := map[int]string{} // field index -> key used, for token vs token_file
	for _, p := range d.entries(n, path, 0) {
		key, ok := d.scalarKey(p.key, path)
		if !ok {
			continue
		}
		kpath, kpos := join(path, key), posOf(p.key)
		f, known := fields[key]
		if !known {
			keys := keysOf(fields)
			hint := didYouMean(key, keys)
			if hint == "" {
				sort.Strings(keys)
				hint = "; known keys: " + strings.Join(keys, ", ")
			}
			d.errorf(kpath, kpos, "unknown key %s%s", quote(key), hint)
			continue
		}
		d.pos[kpath] = kpos
		if other, dup := set[f.index]; dup {
			d.errorf(kpath, kpos, "set either %s or %s, not both", other, key)
			continue
		}
		set[f.index] = key
		fv := v.Field(f.index)
		if f.file {
			// The value's own path also gets the position, so checks on
			// "jira.token" point at "token_file" when that was used.
			d.pos[join(path, f.name)] = kpos
			val := d.resolve(p.val)
			if val == nil || isNull(val) {
				continue
			}
			if val.Kind != yaml.ScalarNode {
				d.errorf(kpath, kpos, "expected a file name, got %s", describe(val))
				continue
			}
			if s, ok := d.secretFile(val.Value, kpath, kpos); ok {
				fv.Set(reflect.ValueOf(s))
			}
			continue
		}
		d.decode(p.val, kpath, kpos, fv)
	}
}

// structField is one key a struct accepts.
type structField struct {
	index int
	name  string // the yaml key of the field
	file  bool   // the *_file twin of a Secret field
}

func structKeys(t reflect.Type) map[string]structField {
	out := map[string]structField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		out[name] = structField{index: i, name: name}
		if f.Type == secretType {
			out[name+"_file"] = structField{index: i, name: name, file: true}
		}
	}
	return out
}

func keysOf(m map[string]structField) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (d *decoder) decodeSlice(n *yaml.Node, path string, pos Pos, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(path, pos, "expected a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		ipath, ipos := index(path, i), posOf(item)
		d.pos[ipath] = ipos
		d.decode(item, ipath, ipos, s.Index(i))
	}
	v.Set(s)
}

func (d *decoder) decodeMap(n *yaml.Node, path string, pos Pos, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(path, pos, "expected a mapping, got %s", describe(n))
		return
	}
	t := v.Type()
	m := reflect.MakeMapWithSize(t, len(n.Content)/2)
	for _, p := range d.entries(n, path, 0) {
		key, ok := d.scalarKey(p.key, path)
		if !ok {
			continue
		}
		kpath, kpos := join(path, key), posOf(p.key)
		d.pos[kpath] = kpos
		if strings.TrimSpace(key) == "" {
			d.errorf(kpath, kpos, "empty key")
			continue
		}
		elem := reflect.New(t.Elem()).Elem()
		d.decode(p.val, kpath, kpos, elem)
		m.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), elem)
	}
	v.Set(m)
}

// reflectValue is the settable value behind a pointer.
func reflectValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }
