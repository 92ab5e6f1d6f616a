package streams

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

func TestTransientSetupErrors(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("consumer trialscout on FHIR: %w", context.DeadlineExceeded), true},
		{fmt.Errorf("create stream FHIR: %w", &jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}), true},
		{fmt.Errorf("create stream FHIR: %w", &jetstream.APIError{Code: 400, ErrorCode: 10058, Description: "stream name already in use with a different configuration"}), false},
		{fmt.Errorf("stream FHIR is missing and creating streams is off: %w", jetstream.ErrStreamNotFound), false},
		{jetstream.ErrJetStreamNotEnabled, false},
		{errors.New("anything else"), false},
	}
	for _, c := range cases {
		if got := transient(c.err); got != c.want {
			t.Errorf("transient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
