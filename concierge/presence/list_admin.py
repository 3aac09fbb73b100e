"""The admin of customer list definitions: kind, parameters, columns, sort, page size, roles, stores."""
