package io.multisite.account.transfer;

import java.util.UUID;

/** The answer to a transfer, stored with it, so that a retry with the same key gets it again. */
record TransferReceipt(UUID transferId, long balanceAfter) {
}
