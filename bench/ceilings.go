package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	"github.com/nats-io/nats.go/jetstream"
)

// parsePass is ceiling P: each payload parsed by jsonformat as the mapper
// parses it (no extended validation), one at a time on one goroutine.
type parsePass struct {
	each   []time.Duration // per payload, in input order
	total  time.Duration
	errors int // payloads jsonformat refused
}

func measureParse(ctx context.Context, payloads [][]byte) (parsePass, error) {
	um, err := jsonformat.NewUnmarshallerWithoutValidation("UTC", fhirversion.R4)
	if err != nil {
		return parsePass{}, fmt.Errorf("parse ceiling: %w", err)
	}
	p := parsePass{each: make([]time.Duration, len(payloads))}
	for i, data := range payloads {
		if i%1024 == 0 && ctx.Err() != nil {
			return p, fmt.Errorf("parse ceiling: %w", ctx.Err())
		}
		start := time.Now()
		_, err := um.UnmarshalR4(data)
		p.each[i] = time.Since(start)
		p.total += p.each[i]
		if err != nil {
			p.errors++
		}
	}
	return p, nil
}

// natsPass is ceiling N: the backlog drained by a consumer that fetches as
// the worker does and acks each message, doing nothing else.
type natsPass struct {
	messages int
	drain    time.Duration
}

// benchConsumer is the durable name of the bare consumer.
const benchConsumer = "bench-nats"

// measureNATS drains the input stream of srv, which holds the backlog.
func measureNATS(ctx context.Context, srv *server, messages int) (natsPass, error) {
	cons, err := srv.js.CreateOrUpdateConsumer(ctx, inputStream, workerLikeConsumer(benchConsumer))
	if err != nil {
		return natsPass{}, fmt.Errorf("NATS ceiling: consumer: %w", err)
	}
	start := time.Now()
	got := 0
	for got < messages {
		if ctx.Err() != nil {
			return natsPass{}, fmt.Errorf("NATS ceiling: %w", ctx.Err())
		}
		msgs, err := fetchLikeWorker(cons)
		if err != nil {
			return natsPass{}, fmt.Errorf("NATS ceiling: fetch after %d messages: %w", got, err)
		}
		for _, m := range msgs {
			if err := m.Ack(); err != nil {
				return natsPass{}, fmt.Errorf("NATS ceiling: ack: %w", err)
			}
		}
		got += len(msgs)
	}
	if _, err := waitSettled(ctx, cons, nil); err != nil {
		return natsPass{}, fmt.Errorf("NATS ceiling: %w", err)
	}
	return natsPass{messages: got, drain: time.Since(start)}, nil
}

// workerLikeConsumer is the consumer the worker creates (streams.Worker.Setup).
func workerLikeConsumer(name string) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{Durable: name, AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second,
		FilterSubject: "fhir.r4.>", MaxAckPending: 1024}
}
