package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/streams"
)

func newRunCommand() *cobra.Command {
	var asOf string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the worker: consume FHIR resources from NATS, publish status changes",
		Long: `Consumes stream FHIR (fhir.r4.>), keeps each patient's facts and evaluations in the
KV bucket trialscout-state, and publishes a status-change event on
eligibility.status.<trial> for every change, with a FHIR ResearchSubject on
eligibility.researchsubject.<trial>. Serves the coordinator's workspace on
--ui (default 127.0.0.1:8080). With no NATS URL it starts an embedded
NATS server with JetStream on 127.0.0.1:4222, keeping its data under ./data.
Stops gracefully on SIGTERM or Ctrl-C: it stops fetching, finishes and acks the
message in hand, and exits 0.

--as-of fixes the worker's clock at one instant, for replays and demos (data written
for a date, such as the scenarios' 2026-11-01); time-driven re-evaluations then never
come due. A service runs without it, on the real clock.`,
		Example: `  trialscout run                          # embedded NATS on 127.0.0.1:4222, data in ./data
  trialscout run --as-of 2026-11-01       # replay or demo data written for that date
  TRIALSCOUT_NATS_URL=tls://nats.example:4222 TRIALSCOUT_NATS_CREDS=/etc/trialscout/nats.creds trialscout run`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			log, err := newLogger(s.LogLevel, cmd.ErrOrStderr())
			if err != nil {
				return usageError("log level: %v", err)
			}
			defer log.Sync() //nolint:errcheck // nothing to do about a failed flush at exit
			eng, err := loadEngine(s, nil)
			if err != nil {
				return err
			}
			opts := []streams.Option{streams.WithLogger(log)}
			if asOf != "" {
				at, err := parseAsOf(asOf, time.Now())
				if err != nil {
					return usageError("--as-of: %v", err)
				}
				opts = append(opts, streams.WithClock(func() time.Time { return at }))
			}
			sess, err := connectOrEmbed(cmd.Context(), s, 4222, log)
			if err != nil {
				return err
			}
			defer sess.Close()
			reg := prometheus.NewRegistry()
			reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
			w, err := streams.NewWorker(sess.js, eng, streamsConfig(s), append(opts, streams.WithMetrics(streams.NewMetrics(reg)))...)
			if err != nil {
				return usageError("%v", err)
			}
			if s.HTTPAddr != "" && s.HTTPAddr != "off" {
				stop, err := serveOps(s.HTTPAddr, reg, w, log)
				if err != nil {
					return err
				}
				defer stop()
			}
			if err := startWorkspace(cmd.Context(), s, sess.js, eng, streamsConfig(s), w.Ready(), log); err != nil {
				return err
			}
			log.Info("starting", zap.Bool("embedded_nats", sess.embedded != nil), zap.String("nats", config.RedactURLs(sess.nc.ConnectedUrl())))
			return w.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "evaluate as of this fixed time, RFC 3339 or YYYY-MM-DD, instead of the clock (replays, demos)")
	return cmd
}

// serveOps serves /metrics, /healthz (the process is up) and /readyz (the
// worker's Readiness: set up, connected, its consumer present, and not
// stalled with input pending; the reason when not).
func serveOps(addr string, reg *prometheus.Registry, w *streams.Worker, log *zap.Logger) (func(), error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) { rw.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", func(rw http.ResponseWriter, _ *http.Request) {
		if err := w.Readiness(); err != nil {
			http.Error(rw, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		rw.Write([]byte("ready\n"))
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &exitError{exitUsage, err}
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("ops server", zap.Error(err))
		}
	}()
	log.Info("serving /metrics, /healthz, /readyz", zap.String("addr", ln.Addr().String()))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
