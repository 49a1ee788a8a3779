package lab

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/distribution/reference"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/mission"
)

// Renaming is how mission test gives a mission names of its own: the
// variables it rewrites, and their new values.
//
// A variable is rewritten when its value is (part of) the name of an image
// or a container the mission sets up or checks: the repository part of an
// image reference (my-app in my-app:v1, cloudcorp/my-app) or a container's
// name. Its new value is the prefix, a dash, and the old value without its
// registry: my-app:v1 becomes academy-test-1a2b3c4d-my-app:v1,
// cloudcorp/my-app becomes academy-test-1a2b3c4d-cloudcorp/my-app, my-app
// (a container) becomes academy-test-1a2b3c4d-my-app. A variable that
// names an image the mission needs from a registry (a RepoDigest to check)
// also gets the throwaway registry's host: 127.0.0.1:PORT/academy-test-…-nginx.
// Tags (v1.2.0 in {{.repo}}:{{.tag}}), file names (the lab's folder is a
// temporary one) and other text are left as they are.
type Renaming struct {
	Prefix string
	// Vars holds the rewritten variables and their new values.
	Vars map[string]string
	// Old holds their values before.
	Old map[string]string
}

// Names lists the rewritten variables, sorted.
func (r *Renaming) Names() []string {
	names := make([]string, 0, len(r.Vars))
	for k := range r.Vars {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// UnownedError says a name of the mission is written without a variable,
// so mission test cannot give it a name of its own: running the mission
// would touch an image or container a learner may have.
type UnownedError struct {
	Where, Name string
}

func (e *UnownedError) Error() string {
	return fmt.Sprintf("%s names %s, which no variable makes: mission test cannot give it a name of its own, and will not touch a name a learner may use — write it as a variable ({{.name}})", e.Where, e.Name)
}

// name is one image or container name a mission uses.
type name struct {
	where     string // for messages: "objective multi-tag, check 1 (image) ref"
	container bool
	value     string
}

// Rename finds the mission's variables to rewrite under prefix, with
// registry (host:port) for images that must come from one, and returns the
// plan compiled with them. Every image and container name of the plan then
// starts with the prefix (after the registry host, for those); one that
// does not is an *UnownedError.
func Rename(m *mission.Mission, prefix, registry string) (*Renaming, *check.Plan, error) {
	base, err := compileWith(m, nil)
	if err != nil {
		return nil, nil, err
	}
	baseNames := namesOf(base)
	basePulls := repos(base.Pulls())
	r := &Renaming{Prefix: prefix, Vars: map[string]string{}, Old: map[string]string{}}
	for _, k := range m.VarNames() {
		old := m.Vars[k]
		cand, ok := rewrite(old, prefix)
		if !ok {
			continue
		}
		p, err := compileWith(m, map[string]string{k: cand})
		if err != nil {
			continue // not a name: the new value does not fit where it is used
		}
		if !namesChanged(baseNames, namesOf(p)) {
			continue
		}
		if registry != "" && pullsChanged(basePulls, repos(p.Pulls())) {
			cand = registry + "/" + cand
		}
		r.Vars[k], r.Old[k] = cand, old
	}
	p, err := compileWith(m, r.Vars)
	if err != nil {
		return nil, nil, fmt.Errorf("the mission with names of its own: %w", err)
	}
	for _, n := range namesOf(p) {
		if !r.Owns(n.value) {
			return nil, nil, &UnownedError{Where: n.where, Name: n.value}
		}
	}
	return r, p, nil
}

// Owns says whether an image or container name is one of the renaming's:
// it starts with the prefix, after a registry host if it has one.
func (r *Renaming) Owns(n string) bool {
	n = strings.TrimPrefix(strings.TrimPrefix(n, "/"), "docker.io/")
	if strings.HasPrefix(n, r.Prefix+"-") {
		return true
	}
	if i := strings.IndexByte(n, '/'); i > 0 && strings.ContainsAny(n[:i], ".:") {
		return strings.HasPrefix(n[i+1:], r.Prefix+"-")
	}
	return false
}

// rewrite is old under prefix: the prefix, a dash, and old without its
// registry host; ok is false for a value that cannot be a name.
func rewrite(old, prefix string) (string, bool) {
	named, err := reference.ParseNormalizedNamed(old)
	if err != nil {
		// Not an image reference; perhaps a container name (My_App).
		if strings.TrimSpace(old) == "" || strings.ContainsAny(old, " /:@") {
			return "", false
		}
		return prefix + "-" + old, true
	}
	if _, ok := named.(reference.Digested); ok {
		return "", false // a digest cannot be made anew
	}
	p := reference.Path(named)
	if reference.Domain(named) == "docker.io" {
		p = strings.TrimPrefix(p, "library/")
	}
	out := prefix + "-" + p
	if t, ok := named.(reference.Tagged); ok {
		out += ":" + t.Tag()
	}
	return out, true
}

func compileWith(m *mission.Mission, vars map[string]string) (*check.Plan, error) {
	x, err := m.Expand(vars)
	if err != nil {
		return nil, err
	}
	return check.Compile(x)
}

// namesOf lists every image and container name the plan uses: set-up's
// images and every check option of an image or container name type.
func namesOf(p *check.Plan) []name {
	var out []name
	for i, si := range p.Mission.Setup.Images {
		out = append(out, name{where: fmt.Sprintf("setup image %d", i+1), value: string(si.Ref)})
	}
	imageRef, containerName := reflect.TypeFor[mission.ImageRef](), reflect.TypeFor[mission.ContainerName]()
	for _, o := range p.Objectives {
		for j, c := range o.Checks {
			v := reflect.ValueOf(c.Spec)
			for v.Kind() == reflect.Pointer {
				v = v.Elem()
			}
			if v.Kind() != reflect.Struct {
				continue
			}
			for k := range v.NumField() {
				f := v.Type().Field(k)
				if !f.IsExported() || v.Field(k).IsZero() {
					continue
				}
				where := fmt.Sprintf("objective %s, check %d (%s) %s", o.ID, j+1, c.Kind, yamlName(f))
				switch f.Type {
				case imageRef:
					out = append(out, name{where: where, value: v.Field(k).String()})
				case containerName:
					out = append(out, name{where: where, container: true, value: v.Field(k).String()})
				}
			}
		}
	}
	return out
}

func yamlName(f reflect.StructField) string {
	n, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if n == "" {
		return f.Name
	}
	return n
}

// namesChanged says whether a rewrite changed a name: a container's name,
// or an image's repository (not only its tag).
func namesChanged(before, after []name) bool {
	if len(before) != len(after) {
		return true
	}
	for i := range before {
		if before[i].container {
			if before[i].value != after[i].value {
				return true
			}
			continue
		}
		if repoOf(before[i].value) != repoOf(after[i].value) {
			return true
		}
	}
	return false
}

// repoOf is a reference without its tag or digest.
func repoOf(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return named.Name()
}

func repos(refs []mission.ImageRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = repoOf(string(r))
	}
	return out
}

func pullsChanged(before, after []string) bool {
	return strings.Join(before, "\n") != strings.Join(after, "\n")
}
