package s3_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
)

// The object of Send test carries x-amz-meta-facteur-test: true; an
// ordinary delivery does not.
func TestS3MarksTestFiles(t *testing.T) {
	t.Parallel()
	srv := testS3Server(t)
	bucket := srv.newBucket(t)
	d := newS3(t, srv.config(bucket, "", false), deliver.Env{})
	for _, test := range []bool{true, false} {
		a := delivertest.NewArtifact(t, "TEST_agents.csv", []byte("id\n1\n"))
		if !test {
			a = delivertest.NewArtifact(t, "agents.csv", []byte("id\n1\n"))
		}
		a.Test = test
		if _, err := d.Deliver(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		head, err := srv.client().HeadObject(t.Context(), &awss3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(a.Name)})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := head.Metadata["facteur-test"], map[bool]string{true: "true"}[test]; got != want {
			t.Errorf("%s: x-amz-meta-facteur-test = %q, want %q", a.Name, got, want)
		}
	}
}
