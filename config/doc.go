// Package config owns trialscout's configuration: the trial files (YAML,
// shipped ones embedded from config/trials, local ones added or overriding
// by id) and, for the commands, settings read from flags, TRIALSCOUT_*
// environment variables and an optional YAML file.
//
// Decoding is strict: an unknown field, an unknown code system alias or a
// malformed quantity is an error naming the file and line.
package config
