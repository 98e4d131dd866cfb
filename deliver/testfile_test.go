package deliver_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/email"
	"github.com/facteur/facteur/mail"
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
		head, err := srv.client().HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(a.Name)})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := head.Metadata["facteur-test"], map[bool]string{true: "true"}[test]; got != want {
			t.Errorf("%s: x-amz-meta-facteur-test = %q, want %q", a.Name, got, want)
		}
	}
}

// The mail of Send test has a subject starting with [Test]; an ordinary
// delivery's subject is the configured one.
func TestEmailMarksTestFiles(t *testing.T) {
	var sent []mail.Message
	env := deliver.Env{
		Mail: func(ctx context.Context, m mail.Message) (string, error) {
			sent = append(sent, m)
			return "250 OK", nil
		},
		Policy: func(ctx context.Context) (facteur.Policy, error) {
			return facteur.Policy{AttachmentLimit: 1 << 20}, nil
		},
	}
	e, err := email.New(email.Config{To: []string{"partner@example.org"}, Subject: "Orders {file_name}"}, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, test := range []bool{true, false} {
		a := delivertest.NewArtifact(t, "orders.csv", []byte("id\n1\n"))
		a.Test = test
		if _, err := e.Deliver(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	if len(sent) != 2 || sent[0].Subject != "[Test] Orders orders.csv" || sent[1].Subject != "Orders orders.csv" {
		for _, m := range sent {
			t.Errorf("subject %q", m.Subject)
		}
	}
}
