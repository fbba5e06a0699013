package io.multisite.account.transfer;

/** {@code POST /api/transfers}. Boxed amount so that a missing field is told apart from zero. */
record TransferRequest(String toUserId, Long amount, String idempotencyKey) {
}
