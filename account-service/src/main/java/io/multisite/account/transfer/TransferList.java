package io.multisite.account.transfer;

import java.util.List;

record TransferList(List<TransferView> items) {
}
