package broker

import "context"

// DeliverDue sends one batch of due webhook deliveries and waits for
// them, so that tests can step the market's clock instead of waiting for
// the poll of DeliverWebhooks.
func (b *Broker) DeliverDue(ctx context.Context) (int, error) { return b.deliverDue(ctx) }
