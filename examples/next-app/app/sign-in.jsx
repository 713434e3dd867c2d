'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';

export default function SignIn() {
  const router = useRouter();
  const [error, setError] = useState('');
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const response = await fetch('/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ identifier: form.get('identifier'), password: form.get('password') }),
    });
    if (response.ok) router.refresh();
    else setError((await response.json()).error.message);
  };
  return (
    <form onSubmit={submit}>
      <input name="identifier" aria-label="Username" placeholder="Username" />
      <input name="password" aria-label="Password" type="password" placeholder="Password" />
      <button type="submit">Sign in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
