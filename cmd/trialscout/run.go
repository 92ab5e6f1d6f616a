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
eligibility.status.<trial> for every change. With no NATS URL it starts an embedded
NATS server with JetStream on 127.0.0.1:4222, keeping its data under ./data.
Stops gracefully on SIGTERM or Ctrl-C: it stops fetching, finishes and acks the
message in hand, and exits 0.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			log, err := newLogger(s.LogLevel)
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
			sess, err := connectOrEmbed(cmd.Context(), s, 4222)
			if err != nil {
				return err
			}
			defer sess.Close()
			reg := prometheus.NewRegistry()
			reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
			cfg := streams.Config{NoCreate: s.NoCreate, Replicas: s.Replicas, AckWait: s.AckWait}
			w, err := streams.NewWorker(sess.js, eng, cfg, append(opts, streams.WithMetrics(streams.NewMetrics(reg)))...)
			if err != nil {
				return usageError("%v", err)
			}
			if s.HTTPAddr != "" && s.HTTPAddr != "off" {
				stop, err := serveOps(s.HTTPAddr, reg, w, sess, log)
				if err != nil {
					return err
				}
				defer stop()
			}
			log.Info("starting", zap.Bool("embedded_nats", sess.embedded != nil), zap.String("nats", config.RedactURLs(sess.nc.ConnectedUrl())))
			return w.Run(cmd.Context())
		},
	}
	// Hidden: a fixed clock is for replays and the fault suite, which
	// compare the worker with eval at one instant; in production the
	// worker's time is the clock's.
	cmd.Flags().StringVar(&asOf, "as-of", "", "evaluate as of this fixed time instead of the clock (replays, tests)")
	cmd.Flags().MarkHidden("as-of")
	return cmd
}

// serveOps serves /metrics, /healthz (the process is up) and /readyz (the
// worker consumes and NATS is connected).
func serveOps(addr string, reg *prometheus.Registry, w *streams.Worker, sess *session, log *zap.Logger) (func(), error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) { rw.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", func(rw http.ResponseWriter, _ *http.Request) {
		select {
		case <-w.Ready():
			if sess.nc.IsConnected() {
				rw.Write([]byte("ready\n"))
				return
			}
		default:
		}
		http.Error(rw, "not ready", http.StatusServiceUnavailable)
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
