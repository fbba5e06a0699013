package io.multisite.account.transfer;

/**
 * @param duplicate true when the idempotency key had been used: the receipt is the original one
 */
record Transferred(TransferReceipt receipt, int unit, long epoch, boolean duplicate) {
}
