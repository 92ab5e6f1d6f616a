package streams

import "github.com/prometheus/client_golang/prometheus"

// Metrics are what the worker counts, registered on a Prometheus registry.
type Metrics struct {
	consumed           *prometheus.CounterVec
	rejected           *prometheus.CounterVec
	evaluations        *prometheus.CounterVec
	statusChanges      *prometheus.CounterVec
	latency            prometheus.Histogram
	pending            prometheus.Gauge
	oldestPending      prometheus.Gauge
	scheduled          prometheus.Gauge
	conflicts          prometheus.Counter
	retries            prometheus.Counter
	gaveUp             prometheus.Counter
	rejectCopyFailures prometheus.Counter
	recreated          prometheus.Counter
	// replayed and replayRemaining follow a replay for pending trials.
	replayed        prometheus.Counter
	replayRemaining prometheus.Gauge
	quarantined     prometheus.Counter
	// atomicBatches counts atomic batches by what they wrote (state,
	// events) and outcome (written, refused).
	atomicBatches *prometheus.CounterVec

	// redelivered are the same metrics, but for what a redelivered message
	// holds (resources, rejections), which its first delivery counted:
	// those counters are not registered.
	redelivered *Metrics
}

// NewMetrics creates the worker's metrics and registers them on reg (nil:
// not registered, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		consumed: newConsumed(),
		rejected: newRejected(),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trialscout_evaluations_total",
			Help: "Evaluations of a patient for a trial."}, []string{"trial"}),
		statusChanges: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trialscout_status_changes_total",
			Help: "Status-change events published, by trial and new status."}, []string{"trial", "status"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "trialscout_processing_seconds",
			Help: "Time to process one input message, from fetch to ack.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trialscout_consumer_pending",
			Help: "Input messages not yet processed (pending plus unacknowledged)."}),
		oldestPending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trialscout_oldest_pending_seconds",
			Help: "Age of the oldest input message not yet settled (0 when none is pending)."}),
		scheduled: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trialscout_schedule_patients",
			Help: "Patients with a time-driven re-evaluation scheduled (one schedule entry each)."}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{Name: "trialscout_state_conflicts_total",
			Help: "Concurrent updates of a patient's record that were re-read and re-applied."}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "trialscout_retries_total",
			Help: "Deliveries that failed and were left for redelivery after a backoff."}),
		gaveUp: prometheus.NewCounter(prometheus.CounterOpts{Name: "trialscout_gave_up_total",
			Help: "Messages set aside to the rejected stream after failing max_deliveries deliveries."}),
		rejectCopyFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "trialscout_rejected_copy_failures_total",
			Help: "Copies to the rejected stream that failed (the message is retried)."}),
		recreated: prometheus.NewCounter(prometheus.CounterOpts{Name: "trialscout_consumer_recreated_total",
			Help: "Times the worker found its consumer gone and created it again."}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{Name: "trialscout_replay_messages_total",
			Help: "Input messages replayed for trials that are not active yet (added or changed)."}),
		replayRemaining: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trialscout_replay_remaining_messages",
			Help: "Input messages still to replay before pending trials are decided (0: none pending)."}),
		quarantined: prometheus.NewCounter(prometheus.CounterOpts{Name: "trialscout_records_quarantined_total",
			Help: "Stored patient records that could not be read, copied to the rejected stream and started again."}),
		atomicBatches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trialscout_atomic_batches_total",
			Help: "Atomic batches the worker sent, by what they wrote (state: records and the index; events) and outcome (written; refused: made again key by key, or event by event)."}, []string{"kind", "outcome"}),
	}
	again := *m
	again.consumed, again.rejected = newConsumed(), newRejected()
	m.redelivered = &again
	if reg != nil {
		reg.MustRegister(m.consumed, m.rejected, m.evaluations, m.statusChanges, m.latency, m.pending, m.oldestPending,
			m.scheduled, m.conflicts, m.retries, m.gaveUp, m.rejectCopyFailures, m.recreated, m.replayed, m.replayRemaining, m.quarantined, m.atomicBatches)
	}
	return m
}

func newConsumed() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trialscout_resources_consumed_total",
		Help: "FHIR resources read from the input stream, by resource type and outcome (mapped or ignored); a message is counted on its first delivery only."}, []string{"type", "outcome"})
}

func newRejected() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trialscout_rejected_total",
		Help: "Resources or messages that could not be read and were copied to the rejected stream, by reason; counted on a message's first delivery only."}, []string{"reason"})
}
