<?php
header('Content-Type: application/json');
try {
    $db = new PDO('mysql:host=127.0.0.1;port=53306;dbname=shop', 'shop', 'shop-pass', [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
    $db->query("SELECT * FROM customers WHERE email = 'o'brien@example.com'");
} catch (PDOException $e) {
    http_response_code(500);
    echo json_encode(['error' => $e->getMessage(), 'code' => $e->getCode()]);
}
