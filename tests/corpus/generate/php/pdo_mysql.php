<?php
require __DIR__ . '/lib/Cart.php';
$db = new PDO('mysql:host=127.0.0.1;port=53306;dbname=shop', 'shop', 'shop-pass');
$db->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
(new Cart())->checkout($db);
