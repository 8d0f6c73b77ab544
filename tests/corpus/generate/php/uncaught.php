<?php
require __DIR__ . '/lib/Cart.php';
$cart = new Cart();
$cart->add($_GET['sku'] ?? 'SKU-1', (int)($_GET['qty'] ?? -1));
