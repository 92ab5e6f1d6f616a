package streams

import (
	"fmt"
	"time"
)

// Config names the streams, subjects and bucket the worker uses, and tunes
// its delivery. The zero value of a field means its default.
type Config struct {
	InputStream     string        // FHIR
	InputSubject    string        // fhir.r4.>
	Consumer        string        // durable pull consumer: trialscout
	EventStream     string        // ELIGIBILITY
	EventPrefix     string        // eligibility.status. (+ trial id)
	RejectedStream  string        // REJECTED
	RejectedSubject string        // trialscout.rejected
	StateBucket     string        // trialscout-state
	NoCreate        bool          // do not create missing streams and bucket
	Replicas        int           // stream and bucket replicas: 1
	AckWait         time.Duration // redelivery after: 30s
	NakDelay        time.Duration // retry a transient failure after: 2s
	FetchBatch      int           // messages per pull: 64
	Parallel        int           // patients of a batch applied at once: 8
	// FetchWait bounds one pull when the stream is idle, and so how long a
	// shutdown waits for it: 500ms.
	FetchWait       time.Duration
	MaxMessageBytes int // larger input is rejected: 8 MiB
	// DuplicateWindow is how long the event stream remembers event ids. It
	// must outlast the longest gap between a state write and the outbox
	// being published again after a crash: 10m.
	DuplicateWindow time.Duration
	TickInterval    time.Duration // how often due re-evaluations are checked: 1s
	// StateCache is how many decoded patient records the worker keeps
	// between messages (checked against the bucket's revision): 1024.
	StateCache int
}

func (c Config) withDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.InputStream, "FHIR")
	def(&c.InputSubject, "fhir.r4.>")
	def(&c.Consumer, "trialscout")
	def(&c.EventStream, "ELIGIBILITY")
	def(&c.EventPrefix, "eligibility.status.")
	def(&c.RejectedStream, "REJECTED")
	def(&c.RejectedSubject, "trialscout.rejected")
	def(&c.StateBucket, "trialscout-state")
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.AckWait == 0 {
		c.AckWait = 30 * time.Second
	}
	if c.NakDelay == 0 {
		c.NakDelay = 2 * time.Second
	}
	if c.Parallel == 0 {
		c.Parallel = 8
	}
	if c.FetchBatch == 0 {
		c.FetchBatch = 64
	}
	if c.FetchWait == 0 {
		c.FetchWait = 500 * time.Millisecond
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = 8 << 20
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = 10 * time.Minute
	}
	if c.StateCache == 0 {
		c.StateCache = 1024
	}
	if c.TickInterval == 0 {
		c.TickInterval = time.Second
	}
	return c
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Replicas < 1 || c.Replicas > 5 {
		return fmt.Errorf("replicas %d: want 1 to 5", c.Replicas)
	}
	if c.DuplicateWindow < c.AckWait {
		return fmt.Errorf("duplicate window %s is shorter than the ack wait %s: a redelivered message could publish an event twice", c.DuplicateWindow, c.AckWait)
	}
	return nil
}
