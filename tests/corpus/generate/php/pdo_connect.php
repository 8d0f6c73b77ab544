<?php
$db = new PDO('pgsql:host=127.0.0.1;port=9;dbname=shop', 'shop_rw', 's3cr3t-Pa55');
