package mission

// APIVersion is the only mission format version this build reads.
const APIVersion = "academy/v1"

// Mission is one lesson: what the learner must make true.
type Mission struct {
	APIVersion string            `yaml:"apiVersion"`
	ID         string            `yaml:"id"`
	Title      string            `yaml:"title"`
	Briefing   string            `yaml:"briefing"`
	Vars       map[string]string `yaml:"vars"`
	Setup      Setup             `yaml:"setup"`
	Objectives []Objective       `yaml:"objectives"`

	// Source names where the mission was loaded from, for messages.
	Source string `yaml:"-"`
}

// Setup is the lab's starting state, made offline by `academy setup`.
type Setup struct {
	Images []SetupImage `yaml:"images"`
}

// SetupImage is an image the lab starts with.
type SetupImage struct {
	Ref  string `yaml:"ref"`
	From string `yaml:"from"` // "builtin": made offline by academy
}

// Objective is one task of the lesson; it holds when all its checks pass.
type Objective struct {
	ID       string   `yaml:"id"`
	Title    string   `yaml:"title"`
	Points   int      `yaml:"points"`
	Hints    []string `yaml:"hints"`
	Solution string   `yaml:"solution"`
	Checks   []Check  `yaml:"checks"`
}

// Check is one fact to verify; exactly one of its kinds is set.
type Check struct {
	Image   *ImageCheck   `yaml:"image"`
	Archive *ArchiveCheck `yaml:"archive"`
	Answer  *AnswerCheck  `yaml:"answer"`
}

// Kind names the check's kind: image, archive or answer.
func (c Check) Kind() string {
	switch {
	case c.Image != nil:
		return "image"
	case c.Archive != nil:
		return "archive"
	case c.Answer != nil:
		return "answer"
	}
	return ""
}

// ImageCheck expects an image to exist under Ref and, optionally, more.
type ImageCheck struct {
	Ref string `yaml:"ref"`
	// SameAs: Ref must have the same image ID as this reference.
	SameAs string `yaml:"sameAs"`
	// RepoDigest: the image must have at least one RepoDigest (it came
	// from a registry).
	RepoDigest bool `yaml:"repoDigest"`
}

// ArchiveCheck expects a docker save archive in the learner's folder.
type ArchiveCheck struct {
	Path string `yaml:"path"`
	// Contains: a tag the archive's images must include.
	Contains string `yaml:"contains"`
	// MatchesDaemon: the archived image under Contains must be the image
	// the daemon has under that name.
	MatchesDaemon bool `yaml:"matchesDaemon"`
}

// AnswerCheck asks the learner for a value and compares it with a fact of
// the daemon. The answer is given as --answer OBJECTIVE=VALUE.
type AnswerCheck struct {
	Prompt string `yaml:"prompt"`
	// RepoDigestOf: the answer must name one of this image's RepoDigests.
	RepoDigestOf string `yaml:"repoDigestOf"`
}
