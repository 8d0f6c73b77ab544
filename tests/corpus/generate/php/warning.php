<?php
$cfg = file_get_contents(__DIR__ . '/config/database.ini');
$fh = fopen('/etc/shop/api-keys.php', 'r');
echo "config loaded";
