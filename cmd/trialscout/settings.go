package main

import (
	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/config"
)

// settingFlags are the settings every command accepts as flags: the flag
// name is the YAML name with dashes.
var settingFlags = map[string]string{
	"trials":         "trials_dir",
	"log-level":      "log_level",
	"nats-url":       "nats_url",
	"store-dir":      "store_dir",
	"nats-user":      "nats_user",
	"nats-password":  "nats_password",
	"nats-token":     "nats_token",
	"nats-creds":     "nats_creds",
	"nats-nkey-seed": "nats_nkey_seed",
	"tls-ca":         "tls_ca",
	"tls-cert":       "tls_cert",
	"tls-key":        "tls_key",
	"http":           "http_addr",
	"replicas":       "replicas",
	"ack-wait":       "ack_wait",

	"max-deliveries":        "max_deliveries",
	"retry-backoff":         "retry_backoff",
	"retry-backoff-max":     "retry_backoff_max",
	"stall-after":           "stall_after",
	"fhir-max-age":          "fhir_max_age",
	"fhir-max-bytes":        "fhir_max_bytes",
	"eligibility-max-age":   "eligibility_max_age",
	"eligibility-max-bytes": "eligibility_max_bytes",
	"rejected-max-age":      "rejected_max_age",
	"rejected-max-bytes":    "rejected_max_bytes",
	"ui":                    "ui_addr",
	"ui-users":              "ui_users",
	"ui-token":              "ui_token",
	"ui-tls-cert":           "ui_tls_cert",
	"ui-tls-key":            "ui_tls_key",
	"sources":               "sources",
}

func addSettingFlags(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.String("config", "", "YAML configuration file (flags, then TRIALSCOUT_* variables, then this file)")
	f.String("trials", "", "directory of trial files that add to or override the shipped ones by id")
	f.String("log-level", "", "debug, info, warn or error (default info)")
	f.String("nats-url", "", "NATS server URL; empty: an embedded server on 127.0.0.1:4222 (run) or that address (other commands)")
	f.String("store-dir", "", "where the embedded server keeps its data (default ./data)")
	f.String("nats-user", "", "NATS user (with --nats-password)")
	f.String("nats-password", "", "NATS password (prefer TRIALSCOUT_NATS_PASSWORD: flags show in process lists)")
	f.String("nats-token", "", "NATS token (prefer TRIALSCOUT_NATS_TOKEN)")
	f.String("nats-creds", "", "NATS .creds file")
	f.String("nats-nkey-seed", "", "file holding an NKey seed")
	f.String("tls-ca", "", "CA certificate to trust for the NATS server")
	f.String("tls-cert", "", "client certificate for NATS (with --tls-key)")
	f.String("tls-key", "", "client key for NATS")
	f.String("replicas", "", "replicas of the streams and state bucket the worker creates (default 1; 3 on a cluster)")
	f.String("ack-wait", "", "redeliver a message left unacknowledged this long, e.g. by a worker that died (default 30s)")
	f.String("http", "", "address for /metrics, /healthz and /readyz (run; default 127.0.0.1:9464; \"off\" to disable)")
	f.String("max-deliveries", "", "deliveries of a failing message before it is copied to REJECTED and terminated (default 10)")
	f.String("retry-backoff", "", "delay before the first redelivery of a failed message; doubles each time, jittered (default 2s)")
	f.String("retry-backoff-max", "", "longest delay between redeliveries (default 5m)")
	f.String("stall-after", "", "/readyz fails when input is pending and nothing was settled this long (default 10m)")
	f.String("fhir-max-age", "", "keep input this long, e.g. 90d (default 90d; 0: no limit)")
	f.String("fhir-max-bytes", "", "keep at most this much input, e.g. 4GiB (default 4GiB; 0: no limit)")
	f.String("eligibility-max-age", "", "keep status events this long (default 365d; 0: no limit)")
	f.String("eligibility-max-bytes", "", "keep at most this much of the status events (default 1GiB; 0: no limit)")
	f.String("rejected-max-age", "", "keep rejected copies, which hold patient data, this long (default 30d; 0: no limit)")
	f.String("rejected-max-bytes", "", "keep at most this much of the rejected copies (default 256MiB; 0: no limit)")
	f.String("ui", "", "address of the coordinator's workspace (run; default 127.0.0.1:8080; \"off\" to disable)")
	f.String("ui-users", "", "workspace users file, one user:bcrypt-hash per line (needed beyond loopback, or --ui-token)")
	f.String("ui-token", "", "workspace bearer token, 16 characters or more (prefer TRIALSCOUT_UI_TOKEN)")
	f.String("ui-tls-cert", "", "workspace TLS certificate (needed beyond loopback, with --ui-tls-key)")
	f.String("ui-tls-key", "", "workspace TLS key")
	f.String("sources", "", "FHIR server bases that are one source: base=source pairs, an empty source is the local one (e.g. https://ehr.example/fhir=)")
}

// loadSettings resolves settings: flags, then TRIALSCOUT_* variables, then
// the --config file.
func loadSettings(cmd *cobra.Command) (config.Settings, error) {
	file, _ := cmd.Flags().GetString("config")
	s, err := config.LoadSettings(file, config.Environ())
	secretsOf(cmd.Context()).addSettings(s)
	if err != nil {
		return s, usageError("%v", err)
	}
	for flag, name := range settingFlags {
		if f := cmd.Flags().Lookup(flag); f != nil && f.Changed {
			if err := s.Set(name, f.Value.String()); err != nil {
				return s, usageError("%v", err)
			}
		}
	}
	secretsOf(cmd.Context()).addSettings(s)
	if err := s.Validate(); err != nil {
		return s, usageError("%v", err)
	}
	return s, nil
}
