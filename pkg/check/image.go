package check

import (
	"context"
	"errors"
	"fmt"

	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

func (e *env) checkImage(ctx context.Context, c *mission.ImageCheck) Outcome {
	out := Outcome{Kind: "image", Subject: c.Ref}
	img, err := e.image(ctx, c.Ref)
	missing := errors.Is(err, dockerstate.ErrNotFound)
	if err != nil && !missing {
		return daemonFailure("image", c.Ref, err)
	}

	if c.SameAs != "" {
		src, srcErr := e.image(ctx, c.SameAs)
		switch {
		case srcErr != nil && !errors.Is(srcErr, dockerstate.ErrNotFound):
			return daemonFailure("image", c.SameAs, srcErr)
		case srcErr != nil:
			out.Status = Fail
			out.Message = fmt.Sprintf("%s does not exist, so %s cannot point at it — build or load %s first", c.SameAs, c.Ref, c.SameAs)
			return out
		}
		out.Expected = src.ID
		if missing {
			out.Status = Fail
			out.Message = fmt.Sprintf("%s does not exist — create it: docker tag %s %s", c.Ref, c.SameAs, c.Ref)
			return out
		}
		out.Actual = img.ID
		if img.ID != src.ID {
			out.Status = Fail
			out.Message = fmt.Sprintf("%s points at %s, not at %s (%s) — retag it: docker tag %s %s",
				c.Ref, short(img.ID), c.SameAs, short(src.ID), c.SameAs, c.Ref)
			return out
		}
	} else if missing {
		out.Status = Fail
		out.Message = fmt.Sprintf("%s does not exist", c.Ref)
		if c.RepoDigest {
			out.Expected = "a RepoDigest"
			out.Message = fmt.Sprintf("%s is not on this daemon — pull it from a registry: docker pull %s", c.Ref, c.Ref)
		}
		return out
	}

	if c.RepoDigest {
		if len(img.RepoDigests) == 0 {
			out.Status = Fail
			out.Expected = "a RepoDigest"
			out.Message = fmt.Sprintf("%s (%s) has no RepoDigest: it was built, tagged or loaded here, not pulled — only an image that came from a registry has one: docker pull %s",
				c.Ref, short(img.ID), c.Ref)
			return out
		}
		out.Actual = img.RepoDigests[0]
	}

	out.Status = Pass
	out.Message = fmt.Sprintf("%s is %s", c.Ref, short(img.ID))
	if c.SameAs != "" {
		out.Message = fmt.Sprintf("%s points at %s (%s)", c.Ref, c.SameAs, short(img.ID))
	}
	if c.RepoDigest {
		out.Message = fmt.Sprintf("%s came from a registry: %s", c.Ref, img.RepoDigests[0])
	}
	return out
}
