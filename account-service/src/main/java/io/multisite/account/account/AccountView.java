package io.multisite.account.account;

import io.multisite.routing.UnitState;

/**
 * {@code GET /api/accounts/me}.
 *
 * @param balance   the balance as this site's ledger has it (credits from other sites count once replicated)
 * @param homeSite  the owner of the user's unit in the routing table held here
 * @param unitState that unit's state, e.g. RECOVERING while debits are paused after a failover
 */
record AccountView(String userId, long balance, int unit, String homeSite, UnitState unitState) {
}
