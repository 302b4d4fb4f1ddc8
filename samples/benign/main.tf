variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "orders" {
  identifier        = "orders-prod"
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  allocated_storage = 100
  username          = "orders"
  password          = var.db_password
}

output "endpoint" {
  value = aws_db_instance.orders.endpoint
}
