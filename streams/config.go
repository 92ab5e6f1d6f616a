package streams

import (
	"fmt"
	"time"

	"github.com/trialscout/trialscout/config"
)

// Config names the streams, subjects and bucket the worker uses, and tunes
// its delivery. The zero value of a field means its default.
type Config struct {
	InputStream  string // FHIR
	InputSubject string // fhir.r4.>
	Consumer     string // durable pull consumer: trialscout
	EventStream  string // ELIGIBILITY
	EventPrefix  string // eligibility.status. (+ trial id)
	// ResearchSubjectPrefix is where each event is also published as a
	// FHIR R4 ResearchSubject: eligibility.researchsubject. (+ trial id).
	ResearchSubjectPrefix string
	RejectedStream        string        // REJECTED
	RejectedSubject       string        // trialscout.rejected
	StateBucket           string        // trialscout-state
	NoCreate              bool          // do not create missing streams and bucket
	Replicas              int           // stream and bucket replicas: 1
	AckWait               time.Duration // redelivery after: 30s
	// NakDelay is the delay before the first redelivery of a message that
	// failed; each next one doubles up to MaxNakDelay, jittered: 2s, 5m.
	NakDelay    time.Duration
	MaxNakDelay time.Duration
	// MaxDeliveries: a message still failing at its MaxDeliveries-th
	// delivery is copied to the rejected stream ("gave up after N
	// deliveries: <last error>") and terminated: 10.
	MaxDeliveries int
	// StallAfter: Readiness fails when input is pending and no message has
	// been settled for this long: 10m.
	StallAfter time.Duration
	// Retention of the input, event and rejected streams.
	Retention  Retention
	FetchBatch int // messages per pull: 64
	Parallel   int // patients of a batch applied at once: 8
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

// Retention limits the streams by age and size; see the README
// (Operations) for the defaults and their reasons.
type Retention struct {
	Input, Events, Rejected Limits
}

// Limits are one stream's limits: zero means the default, a negative value
// no limit.
type Limits struct {
	MaxAge   time.Duration
	MaxBytes int64
}

func (l Limits) withDefaults(age config.Duration, bytes config.ByteSize) Limits {
	if l.MaxAge == 0 {
		l.MaxAge = time.Duration(age)
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = int64(bytes)
	}
	return l
}

// ages and bytes as NATS takes them: 0 is no limit for an age, -1 for bytes.
func (l Limits) natsAge() time.Duration { return max(l.MaxAge, 0) }
func (l Limits) natsBytes() int64 {
	if l.MaxBytes <= 0 {
		return -1
	}
	return l.MaxBytes
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
	def(&c.ResearchSubjectPrefix, "eligibility.researchsubject.")
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
	if c.MaxNakDelay == 0 {
		c.MaxNakDelay = max(5*time.Minute, c.NakDelay)
	}
	if c.MaxDeliveries == 0 {
		c.MaxDeliveries = 10
	}
	if c.StallAfter == 0 {
		c.StallAfter = 10 * time.Minute
	}
	c.Retention.Input = c.Retention.Input.withDefaults(config.DefaultFHIRMaxAge, config.DefaultFHIRMaxBytes)
	c.Retention.Events = c.Retention.Events.withDefaults(config.DefaultEligibilityMaxAge, config.DefaultEligibilityMaxBytes)
	c.Retention.Rejected = c.Retention.Rejected.withDefaults(config.DefaultRejectedMaxAge, config.DefaultRejectedMaxBytes)
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
	if c.MaxDeliveries < 1 || c.MaxNakDelay < c.NakDelay {
		return fmt.Errorf("max deliveries %d, retry delays %s to %s: want at least 1 delivery and the longest delay at least the first", c.MaxDeliveries, c.NakDelay, c.MaxNakDelay)
	}
	for _, l := range []struct {
		stream string
		Limits
	}{{c.InputStream, c.Retention.Input}, {c.EventStream, c.Retention.Events}, {c.RejectedStream, c.Retention.Rejected}} {
		if l.MaxAge > 0 && l.MaxAge < c.DuplicateWindow {
			return fmt.Errorf("stream %s: max age %s is shorter than the duplicate window %s", l.stream, l.MaxAge, c.DuplicateWindow)
		}
	}
	return nil
}
