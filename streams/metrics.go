package streams

import "github.com/prometheus/client_golang/prometheus"

// Metrics are what the worker counts, registered on a Prometheus registry.
type Metrics struct {
	consumed      *prometheus.CounterVec
	rejected      *prometheus.CounterVec
	evaluations   *prometheus.CounterVec
	statusChanges *prometheus.CounterVec
	latency       prometheus.Histogram
	pending       prometheus.Gauge
	conflicts     prometheus.Counter
	retries       prometheus.Counter
	// replayed and replayRemaining follow a replay for pending trials.
	replayed        prometheus.Counter
	replayRemaining prometheus.Gauge
	quarantined     prometheus.Counter
}

// NewMetrics creates the worker's metrics and registers them on reg (nil:
// not registered, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trialscout_resources_consumed_total",
			Help: "FHIR resources read from the input stream, by resource type and outcome (mapped or ignored)."}, []string{"type", "outcome"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trialscout_rejected_total",
			Help: "Resources or messages copied to the rejected stream, by reason."}, []string{"reason"}),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trialscout_evaluations_total",
			Help: "Evaluations of a patient for a trial."}, []string{"trial"}),
		statusChanges: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trialscout_status_changes_total",
			Help: "Status-change events published, by trial and new status."}, []string{"trial", "status"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "trialscout_processing_seconds",
			Help: "Time to process one input message, from fetch to ack.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trialscout_consumer_pending",
			Help: "Input messages not yet processed (pending plus unacknowledged)."}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{Name: "trialscout_state_conflicts_total",
			Help: "Concurrent updates of a patient's record that were re-read and re-applied."}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "trialscout_retries_total",
			Help: "Messages left for redelivery after a transient failure."}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{Name: "trialscout_replay_messages_total",
			Help: "Input messages replayed for trials that are not active yet (added or changed)."}),
		replayRemaining: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trialscout_replay_remaining_messages",
			Help: "Input messages still to replay before pending trials are decided (0: none pending)."}),
		quarantined: prometheus.NewCounter(prometheus.CounterOpts{Name: "trialscout_records_quarantined_total",
			Help: "Stored patient records that could not be read, copied to the rejected stream and started again."}),
	}
	if reg != nil {
		reg.MustRegister(m.consumed, m.rejected, m.evaluations, m.statusChanges, m.latency, m.pending, m.conflicts, m.retries,
			m.replayed, m.replayRemaining, m.quarantined)
	}
	return m
}
