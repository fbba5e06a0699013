package io.multisite.account.transfer;

import java.time.Instant;
import java.util.UUID;

/**
 * One transfer as either party sees it. The payer's balance after it is left out: it is the
 * payer's business, not the payee's.
 */
record TransferView(UUID transferId, String fromUserId, String toUserId, long amount, Instant createdAt) {
}
