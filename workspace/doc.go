// Package workspace is the research coordinators' web workspace: server-rendered
// pages and a JSON API over a read model of every patient's latest evaluations.
//
// The read model (ReadModel) is fed from outside: Put with a patient's latest
// evaluations (from a watch of the state bucket), Remove when a patient's record
// goes, AddTransition with each status-change event. It keeps per-trial counts,
// a per-criterion funnel and what incomplete patients lack, updated by
// subtracting a patient's old contribution and adding the new one, so a Put
// costs O(criteria) whatever the number of patients; sorted worklists are built
// when asked for and cached until a patient of that trial and status changes.
//
// The server (Server) renders the pages with html/template, answers the JSON
// API, and hands a person's decision to a DecisionRecorder. It serves on
// loopback without authentication; beyond loopback it refuses to start without
// users (bcrypt) or a token, and TLS. Forms carry a signed double-submit token
// against cross-site request forgery. It logs ids and reasons, never names,
// values or the free text a person types.
package workspace
