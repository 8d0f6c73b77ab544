<?php
http_response_code(422);
header('Content-Type: application/json');
$email = $_POST['email'] ?? '';
echo json_encode(['message' => 'The given data was invalid.', 'errors' => ['email' => ["The email must be a valid email address."], 'password' => ["The password must be at least 12 characters."]]]);
